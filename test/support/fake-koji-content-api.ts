// The content calls of the fake Koji hub (fake-koji-hub.ts started with `content`): the reader's
// reads and the plan's writes, answered by a ContentHub (koji-content-hub.ts), whose semantics
// are Koji's. Each call's arguments are bound as kojixmlrpc's call_with_argcheck binds them,
// against Koji 1.35's signatures (generated from kojihub.py's RootExports with Python's ast):
// an unknown keyword, a missing or doubled argument is a fault, as on the real hub. Reads answer
// only the forms observed.ts documents, so a reader sending other arguments fails here too.
import type { PlannedCall } from "../../controller/koji/content/calls.js";
import type { XmlRpcStruct, XmlRpcValue } from "../../shared/koji/xmlrpc-codec.js";
import { fail } from "./fake-koji-api.js";
import { KojiError, type ContentHub } from "./koji-content-hub.js";

interface Signature { readonly names: readonly string[]; readonly required: number; readonly kwargs?: true }

const READS: Readonly<Record<string, Signature>> = {
  listTags: { names: ["build", "package", "perms", "queryOpts", "pattern"], required: 0 },
  getTag: { names: ["tagInfo", "strict", "event", "blocked"], required: 1 },
  getInheritanceData: { names: ["tag", "event"], required: 1 },
  listExternalRepos: { names: ["info", "url", "event", "queryOpts"], required: 0 },
  getTagExternalRepos: { names: ["tag_info", "repo_info", "event"], required: 0 },
  getBuildTargets: { names: ["info", "event", "buildTagID", "destTagID", "queryOpts"], required: 0 },
  getTagGroups: { names: ["tag", "event", "inherit", "incl_pkgs", "incl_reqs", "incl_blocked"], required: 1 },
  listPackages: { names: ["tagID", "userID", "pkgID", "prefix", "inherited", "with_dups", "event", "queryOpts", "with_owners", "with_blocked"], required: 0 },
  listUsers: { names: ["userType", "prefix", "queryOpts", "perm", "inherited_perm"], required: 0 },
  getUserPerms: { names: ["userID", "with_groups"], required: 0 },
  getAllPerms: { names: [], required: 0 },
  listChannels: { names: ["hostID", "event", "enabled"], required: 0 },
  listCGs: { names: [], required: 0 },
  listBTypes: { names: ["query", "queryOpts"], required: 0 },
};

const WRITES: Readonly<Record<string, Signature>> = {
  createTag: { names: ["name", "parent", "arches", "perm", "locked", "maven_support", "maven_include_all", "extra"], required: 1 },
  editTag2: { names: ["tagInfo"], required: 1, kwargs: true },
  deleteTag: { names: ["tagInfo"], required: 1 },
  setInheritanceData: { names: ["tag", "data", "clear"], required: 2 },
  createExternalRepo: { names: ["name", "url"], required: 2 },
  editExternalRepo: { names: ["info", "name", "url"], required: 1 },
  deleteExternalRepo: { names: ["info"], required: 1 },
  addExternalRepoToTag: { names: ["tag_info", "repo_info", "priority", "merge_mode", "arches"], required: 3 },
  removeExternalRepoFromTag: { names: ["tag_info", "repo_info"], required: 2 },
  editTagExternalRepo: { names: ["tag_info", "repo_info", "priority", "merge_mode", "arches"], required: 2 },
  createBuildTarget: { names: ["name", "build_tag", "dest_tag"], required: 3 },
  editBuildTarget: { names: ["buildTargetInfo", "name", "build_tag", "dest_tag"], required: 4 },
  deleteBuildTarget: { names: ["buildTargetInfo"], required: 1 },
  groupListAdd: { names: ["taginfo", "grpinfo", "block", "force"], required: 2, kwargs: true },
  groupListRemove: { names: ["taginfo", "grpinfo", "force"], required: 2 },
  groupPackageListAdd: { names: ["taginfo", "grpinfo", "pkg_name", "block", "force"], required: 3, kwargs: true },
  groupPackageListRemove: { names: ["taginfo", "grpinfo", "pkg_name"], required: 3 },
  packageListAdd: { names: ["taginfo", "pkginfo", "owner", "block", "extra_arches", "force", "update"], required: 2 },
  packageListSetOwner: { names: ["taginfo", "pkginfo", "owner", "force"], required: 3 },
  packageListRemove: { names: ["taginfo", "pkginfo", "force"], required: 2 },
  createUser: { names: ["username", "status", "krb_principal"], required: 1 },
  enableUser: { names: ["username"], required: 1 },
  disableUser: { names: ["username"], required: 1 },
  grantPermission: { names: ["userinfo", "permission", "create", "description"], required: 2 },
  revokePermission: { names: ["userinfo", "permission"], required: 2 },
  addChannel: { names: ["channel_name", "description"], required: 1 },
  editChannel: { names: ["channelInfo"], required: 1, kwargs: true },
  enableChannel: { names: ["channelname", "comment"], required: 1 },
  disableChannel: { names: ["channelname", "comment"], required: 1 },
  grantCGAccess: { names: ["user", "cg", "create"], required: 2 },
  revokeCGAccess: { names: ["user", "cg"], required: 2 },
  addBType: { names: ["name"], required: 1 },
};

/** koji.ParameterError: what call_with_argcheck raises for a call that does not fit the signature. */
const PARAMETER_ERROR = 1019;

/** The arguments by name, as Python binds them; a call that does not fit is a ParameterError. */
function bind(method: string, sig: Signature, args: readonly XmlRpcValue[], kw: XmlRpcStruct): Record<string, XmlRpcValue | undefined> {
  if (args.length > sig.names.length) fail(`${method}() takes ${sig.names.length} positional arguments but ${args.length} were given`, PARAMETER_ERROR);
  const bound: Record<string, XmlRpcValue | undefined> = Object.fromEntries(args.map((a, i) => [sig.names[i]!, a]));
  for (const [k, v] of Object.entries(kw)) {
    if (k === "__starstar") continue;
    if (!sig.names.includes(k) && !sig.kwargs) fail(`${method}() got an unexpected keyword argument '${k}'`, PARAMETER_ERROR);
    if (k in bound) fail(`${method}() got multiple values for argument '${k}'`, PARAMETER_ERROR);
    bound[k] = v;
  }
  const missing = sig.names.slice(0, sig.required).filter((n) => !(n in bound));
  if (missing.length > 0) fail(`${method}() missing required argument: '${missing[0]}'`, PARAMETER_ERROR);
  return bound;
}

/** Only the form the reader must use: anything else would read something else on the real hub. */
function expect(method: string, bound: Record<string, XmlRpcValue | undefined>, wanted: Record<string, XmlRpcValue | undefined>): void {
  for (const [k, v] of Object.entries(wanted)) {
    if (bound[k] !== v) fail(`fake hub: ${method} is served with ${k}=${JSON.stringify(v)} only, got ${JSON.stringify(bound[k])}`);
  }
  const allowed = new Set(["tagInfo", "tag", "tag_info", "tagID", "userID", ...Object.keys(wanted)]);
  for (const k of Object.keys(bound)) if (!allowed.has(k)) fail(`fake hub: ${method} is not served with ${k}`);
}

export const isContentMethod = (method: string): boolean => method in READS || method in WRITES;

/**
 * One content call; `admin` says whether the session may write. undefined: not served here
 * (listChannels(hostID=…) and getUserPerms() of the logged-in user are the farm's).
 */
export function answerContent(hub: ContentHub, method: string, args: XmlRpcValue[], kw: XmlRpcStruct, admin: boolean): XmlRpcValue | undefined {
  const write = WRITES[method];
  if (write) {
    bind(method, write, args, kw);
    if (!admin) fail(`admin permission required`, 1004);
    const { __starstar: _s, ...kwargs } = kw;
    const call = { method, args, kwargs, lines: [], creates: [], deletes: [] } as unknown as PlannedCall;
    try {
      hub.apply([call]);
    } catch (err) {
      if (err instanceof KojiError) fail(err.message);
      throw err;
    }
    // create_tag answers the new tag's id; the plan's other writes are not read back.
    return method === "createTag" ? hub.tags.get(String(args[0]))!.id : null;
  }
  const b = bind(method, READS[method]!, args, kw);
  if (method === "listChannels" && b.hostID != null) return undefined;
  if (method === "getUserPerms" && b.userID == null) return undefined;
  const o = hub.observe();
  const detail = (tag: XmlRpcValue | undefined) => {
    const name = typeof tag === "number" ? o.tags.find((t) => t.id === tag)?.name : String(tag);
    return o.tagDetails[name ?? ""] ?? fail(`No such tagInfo: '${String(tag)}'`);
  };
  const json = (v: unknown) => v as XmlRpcValue;
  switch (method) {
    case "listTags": expect(method, b, {}); return json(o.tags);
    case "getTag": {
      expect(method, b, {});
      const name = typeof b.tagInfo === "number" ? o.tags.find((t) => t.id === b.tagInfo)?.name : String(b.tagInfo);
      return json(o.tagDetails[name ?? ""]?.tag ?? null);
    }
    case "getInheritanceData": expect(method, b, {}); return json(detail(b.tag).inheritance);
    case "getTagExternalRepos": expect(method, b, {}); return json(detail(b.tag_info).external_repos);
    case "getTagGroups": expect(method, b, { inherit: true, incl_blocked: true }); return json(detail(b.tag).groups);
    case "listPackages": expect(method, b, { inherited: true }); return json(detail(b.tagID).packages);
    case "listExternalRepos": expect(method, b, {}); return json(o.externalRepos);
    case "getBuildTargets": expect(method, b, {}); return json(o.targets);
    case "listUsers": expect(method, b, {}); return json(o.users);
    case "getUserPerms": expect(method, b, { with_groups: false }); return json(o.userPerms[String(b.userID)] ?? fail(`No such user: '${String(b.userID)}'`));
    case "getAllPerms": return json(o.permissions);
    case "listChannels": expect(method, b, {}); return json(o.channels);
    case "listCGs": return json(o.contentGenerators);
    default: expect(method, b, {}); return json(o.btypes);
  }
}
