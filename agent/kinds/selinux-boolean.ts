// `selinux-boolean`: one SELinux boolean, on or off, now and after reboot. The Koji hub
// needs httpd_can_network_connect_db (remote DB), httpd_use_nfs (/mnt/koji on NFS) and
// httpd_anon_write (writes to public_content_rw_t); docs/pitfalls.md#pitfall-5.
// Both values are checked: a boolean set without -P is right until the next boot, so it is
// reported and fixed. On a host with SELinux disabled the resource fails with a clear
// reason instead of claiming "unchanged": nothing there can be set, and pretending it was
// would hide that enabling SELinux later breaks httpd (docs/resources/selinux-boolean.md).
import { Type, type Static } from "@sinclair/typebox";
import { readBoolean, requireSelinux, setBoolean, type ObservedBoolean } from "../providers/selinux.js";
import type { Kind } from "./kind.js";

export const SelinuxBooleanPropsSchema = Type.Object(
  {
    name: Type.String({ pattern: "^[a-z][a-z0-9_]{0,127}$" }),
    value: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type SelinuxBooleanProps = Static<typeof SelinuxBooleanPropsSchema>;

export type SelinuxBooleanObserved = ObservedBoolean;

const onOff = (v: boolean): string => (v ? "on" : "off");

function lines(props: SelinuxBooleanProps, obs: SelinuxBooleanObserved): string[] {
  const want = onOff(props.value);
  const runtimeOk = obs.active === props.value;
  const persistentOk = obs.persistent === props.value;
  if (runtimeOk && persistentOk) return [];
  if (!runtimeOk && !persistentOk) return [`${obs.name} ${onOff(obs.active)} → ${want}`];
  if (!persistentOk) return [`${obs.name} persistent value ${onOff(obs.persistent)} → ${want} (runtime is already ${want}; it would revert at boot)`];
  return [`${obs.name} runtime value ${onOff(obs.active)} → ${want} (persistent is already ${want})`];
}

export const selinuxBooleanKind: Kind<SelinuxBooleanProps, SelinuxBooleanObserved> = {
  name: "selinux-boolean",
  schema: SelinuxBooleanPropsSchema,
  appliesInSandbox: false,
  platforms: ["el", "fedora"],
  summary: (p) => `SELinux boolean ${p.name} ${onOff(p.value)}`,

  async observe(props, ctx) {
    const t = { exec: ctx.exec, signal: ctx.signal };
    await requireSelinux(t, "booleans");
    return readBoolean(t, props.name);
  },

  diff: lines,

  async apply(props, observed, ctx) {
    // One command for both values, whichever differs. The observed name: getsebool maps an
    // old alias (allow_httpd_anon_write) to the policy's name (httpd_anon_write).
    if (lines(props, observed).length > 0) await setBoolean({ exec: ctx.exec, signal: ctx.signal }, observed.name, props.value);
  },
};
