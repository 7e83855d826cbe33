// Reads a hub's content as ObservedContent, with exactly the calls and arguments observed.ts
// documents (checked against kojihub.py 1.35), each answer's shape checked (answers.ts).
// The calls go in Koji's multiCall (kojixmlrpc.py): the hub-wide listings in one request, then
// every tag's and user's detail reads in requests of up to BATCH calls. kojixmlrpc runs one
// request in one database transaction, so a batch also reads one consistent state; a read of a
// converged farm costs two round trips however many tags it holds.
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { FleetError } from "../../../shared/errors.js";
import type { KojiCalls } from "../../../shared/koji/calls.js";
import { KojiFault, kwargs, type XmlRpcResult, type XmlRpcValue } from "../../../shared/koji/xmlrpc-codec.js";
import { schemaErrors } from "../../../shared/schema-check.js";
import * as A from "./answers.js";
import type { ObservedContent, ObservedTagDetail } from "./observed.js";

/** Which tags and users get detail reads (getTag…, getUserPerms): these names, or every one the hub lists. */
export interface ContentReadScope {
  readonly tags: "all" | readonly string[];
  readonly users: "all" | readonly string[];
}

/** Calls per multiCall: an answer stays far below the client's 32 MiB cap with hundreds of packages per tag. */
export const BATCH = 100;

interface Query<S extends TSchema = TSchema> {
  readonly method: string;
  readonly params: readonly XmlRpcValue[];
  readonly shape: S;
}
const q = <S extends TSchema>(method: string, params: XmlRpcValue[], shape: S): Query<S> => ({ method, params, shape });
const list = <S extends TSchema>(s: S) => Type.Array(s);

export async function readContent(hub: KojiCalls, scope: ContentReadScope): Promise<ObservedContent> {
  const [tags, externalRepos, targets, users, permissions, channels, contentGenerators, btypes] = (await multiCall(hub, [
    q("listTags", [], list(A.ListedTag)),
    q("listExternalRepos", [], list(A.ExternalRepo)),
    q("getBuildTargets", [], list(A.BuildTarget)),
    // NORMAL users only, Koji's default: hosts are the builders' (controller/koji/objects.ts).
    q("listUsers", [], list(A.User)),
    q("getAllPerms", [], list(A.Permission)),
    q("listChannels", [], list(A.Channel)),
    q("listCGs", [], A.ContentGenerators),
    q("listBTypes", [], list(A.BType)),
  ])) as [
    Static<typeof A.ListedTag>[],
    Static<typeof A.ExternalRepo>[],
    Static<typeof A.BuildTarget>[],
    Static<typeof A.User>[],
    Static<typeof A.Permission>[],
    Static<typeof A.Channel>[],
    Static<typeof A.ContentGenerators>,
    Static<typeof A.BType>[],
  ];
  const tagNames = inScope(scope.tags, tags.map((t) => t.name));
  const userNames = inScope(scope.users, users.map((u) => u.name));
  const details = await multiCall(hub, [...tagNames.flatMap(tagReads), ...userNames.map((u) => q("getUserPerms", [u, kwargs({ with_groups: false })], A.Names))]);

  const tagDetails: Record<string, ObservedTagDetail> = {};
  tagNames.forEach((name, i) => {
    const [tag, inheritance, external_repos, groups, packages] = details.slice(i * TAG_READS, (i + 1) * TAG_READS) as [
      ObservedTagDetail["tag"],
      ObservedTagDetail["inheritance"],
      ObservedTagDetail["external_repos"],
      ObservedTagDetail["groups"],
      ObservedTagDetail["packages"],
    ];
    tagDetails[name] = { tag, inheritance, external_repos, groups, packages };
  });
  const perms = details.slice(tagNames.length * TAG_READS) as string[][];
  const userPerms = Object.fromEntries(userNames.map((u, i) => [u, perms[i]!]));
  return { tags, tagDetails, externalRepos, targets, users, userPerms, permissions, channels, contentGenerators, btypes };
}

/** Inside one tag, by name: getTag answers null for a missing tag, so its shape check names a tag gone since listTags. */
const tagReads = (tag: string): Query[] => [
  q("getTag", [tag], A.TagInfo),
  q("getInheritanceData", [tag], list(A.InheritanceLink)),
  q("getTagExternalRepos", [kwargs({ tag_info: tag })], list(A.TagExternalRepo)),
  // Inherited groups and blocked entries too: the plan compares with what the tag sees.
  q("getTagGroups", [tag, kwargs({ inherit: true, incl_blocked: true })], list(A.TagGroup)),
  // Blocked entries are always listed (with_blocked=True is listPackages's default).
  q("listPackages", [kwargs({ tagID: tag, inherited: true })], list(A.TagPackage)),
];
const TAG_READS = tagReads("").length;

/** The scope's names that the hub has: a declared tag or user not created yet has nothing to read. */
function inScope(wanted: "all" | readonly string[], listed: readonly string[]): string[] {
  if (wanted === "all") return [...listed];
  const have = new Set(listed);
  return [...new Set(wanted)].filter((n) => have.has(n)).sort();
}

/** The answers of `queries`, in order, BATCH calls per request; the first fault or misshapen answer is thrown, naming its call. */
async function multiCall(hub: KojiCalls, queries: readonly Query[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for (let at = 0; at < queries.length; at += BATCH) {
    const batch = queries.slice(at, at + BATCH);
    const answer = await hub.call("multiCall", batch.map((c) => ({ methodName: c.method, params: c.params })));
    if (!Array.isArray(answer) || answer.length !== batch.length) throw unexpected("multiCall", `${batch.length} results`, answer);
    batch.forEach((c, i) => out.push(result(c, answer[i]!)));
  }
  return out;
}

/** One multiCall entry: [value] on success, {faultCode, faultString} on a fault (kojixmlrpc multiCall). */
function result(c: Query, entry: XmlRpcResult): unknown {
  if (Array.isArray(entry) && entry.length === 1) {
    const errors = schemaErrors(c.shape, entry[0], 3);
    if (errors.length > 0) throw unexpected(label(c), errors.join("; "), entry[0]);
    return entry[0];
  }
  if (entry !== null && typeof entry === "object" && !Array.isArray(entry) && typeof entry.faultCode === "number" && typeof entry.faultString === "string") {
    throw new KojiFault(entry.faultCode, entry.faultString, label(c));
  }
  throw unexpected(label(c), "[value] or a fault", entry);
}

/** The call as Python would write it: getTagGroups('t', inherit=True, incl_blocked=True). */
function label(c: Query): string {
  const py = (v: XmlRpcValue): string => (v === true ? "True" : v === false ? "False" : v === null ? "None" : JSON.stringify(v));
  const args = c.params.flatMap((p) => {
    if (p !== null && typeof p === "object" && !Array.isArray(p) && (p as Record<string, XmlRpcValue>).__starstar === true) {
      return Object.entries(p as Record<string, XmlRpcValue>).filter(([k]) => k !== "__starstar").map(([k, v]) => `${k}=${py(v)}`);
    }
    return [py(p)];
  });
  return `${c.method}(${args.join(", ")})`;
}

const unexpected = (call: string, wanted: string, value: unknown) =>
  new FleetError("KF_ERR_RESOURCE", `${call}: unexpected answer from the hub (${wanted}): ${JSON.stringify(value)?.slice(0, 200)}`);
