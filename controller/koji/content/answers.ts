// The shapes the reader checks each of Koji's answers against (observed.ts's types, as TypeBox
// schemas). Members the reader does not use may be there or not; a member it uses with another
// type is an error naming the call, never a value taken on trust. The type checks at the end keep
// these schemas and observed.ts's interfaces from drifting apart.
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import type * as O from "./observed.js";

const Null = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Int = Type.Integer();
const Str = Type.String();
const Bool = Type.Boolean();

const listedTag = { id: Int, name: Str, perm_id: Null(Int), perm: Null(Str), arches: Null(Str), locked: Bool, maven_support: Bool, maven_include_all: Bool };
export const ListedTag = Type.Object(listedTag);
export const TagInfo = Type.Object({ ...listedTag, extra: Type.Record(Str, Type.Unknown()) });
export const InheritanceLink = Type.Object({ parent_id: Int, name: Str, priority: Int, maxdepth: Null(Int), intransitive: Bool, noconfig: Bool, pkg_filter: Str, child_id: Int });
export const ExternalRepo = Type.Object({ id: Int, name: Str, url: Str });
export const TagExternalRepo = Type.Object({ external_repo_id: Int, external_repo_name: Str, priority: Int, tag_id: Int, tag_name: Str, url: Str, merge_mode: Str, arches: Null(Str) });
export const BuildTarget = Type.Object({ id: Int, name: Str, build_tag: Int, build_tag_name: Str, dest_tag: Int, dest_tag_name: Str });
const GroupPackage = Type.Object({ group_id: Int, tag_id: Int, package: Str, blocked: Bool, type: Str, basearchonly: Null(Bool), requires: Null(Str) });
const GroupReq = Type.Object({ group_id: Int, tag_id: Int, req_id: Int, blocked: Bool, type: Str, is_metapkg: Bool, name: Str });
export const TagGroup = Type.Object({
  name: Str,
  group_id: Int,
  tag_id: Int,
  blocked: Bool,
  exported: Null(Bool),
  display_name: Str,
  is_default: Null(Bool),
  uservisible: Null(Bool),
  description: Null(Str),
  langonly: Null(Str),
  biarchonly: Null(Bool),
  packagelist: Type.Array(GroupPackage),
  grouplist: Type.Array(GroupReq),
});
export const TagPackage = Type.Object({ package_id: Int, package_name: Str, tag_id: Int, tag_name: Str, extra_arches: Null(Str), blocked: Bool, owner_id: Int, owner_name: Str });
export const User = Type.Object({ id: Int, name: Str, status: Int, usertype: Int, krb_principals: Type.Array(Str) });
export const Permission = Type.Object({ id: Int, name: Str, description: Null(Str) });
export const Channel = Type.Object({ id: Int, name: Str, description: Null(Str), enabled: Bool, comment: Null(Str) });
export const ContentGenerators = Type.Record(Str, Type.Object({ id: Int, users: Type.Array(Str) }));
export const BType = Type.Object({ id: Int, name: Str });
export const Names = Type.Array(Str);

// Compile-time only: each schema's type is the interface observed.ts documents (assignable to
// it, and with every member it has).
type Same<A, B> = [A] extends [B] ? ([keyof B] extends [keyof A] ? true : false) : false;
type Check<T extends true> = T;
export type ShapesMatch = [
  Check<Same<Static<typeof ListedTag>, O.KojiListedTag>>,
  Check<Same<Static<typeof TagInfo>, O.KojiTagInfo>>,
  Check<Same<Static<typeof InheritanceLink>, O.KojiInheritanceLink>>,
  Check<Same<Static<typeof ExternalRepo>, O.KojiExternalRepo>>,
  Check<Same<Static<typeof TagExternalRepo>, O.KojiTagExternalRepo>>,
  Check<Same<Static<typeof BuildTarget>, O.KojiBuildTarget>>,
  Check<Same<Static<typeof TagGroup>, O.KojiTagGroup>>,
  Check<Same<Static<typeof TagPackage>, O.KojiTagPackage>>,
  Check<Same<Static<typeof User>, O.KojiUser>>,
  Check<Same<Static<typeof Permission>, O.KojiPermission>>,
  Check<Same<Static<typeof Channel>, O.KojiChannel>>,
  Check<Same<Static<typeof ContentGenerators>, O.KojiContentGenerators>>,
  Check<Same<Static<typeof BType>, O.KojiBType>>,
];
