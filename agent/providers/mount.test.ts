import { describe, expect, it } from "vitest";
import { loadOutput } from "../kinds/testdata/load-output.js";
import { editFstab, fstabHas, missingOptions, parseFindmnt, parseFstabLine, sameDevice, type FstabEntry } from "./mount.js";

const KOJI: FstabEntry = { device: "cs10-koji-02.mx-os:/mnt/koji", path: "/mnt/koji", fstype: "nfs4", options: "rw,hard,noatime,_netdev", dump: 0, pass: 0 };
const FSTAB = "# /etc/fstab\nUUID=0a1b /                       xfs     defaults        0 0\n\t/dev/vdb1\t/var/lib/mock xfs defaults 0 2\n";

describe("findmnt -J parser", () => {
  it("NFS 4.2 mount → source, fstype, option list", () => {
    const m = parseFindmnt(loadOutput("findmnt", "nfs4-rw.txt").stdout)!;
    expect([m.target, m.source, m.fstype]).toEqual(["/mnt/koji", "cs10-koji-02.mx-os:/mnt/koji", "nfs4"]);
    expect(m.options.slice(0, 4)).toEqual(["rw", "noatime", "vers=4.2", "rsize=1048576"]);
  });
  it("two mounts stacked → the top (last) one", () => {
    expect(parseFindmnt(loadOutput("findmnt", "stacked.txt").stdout)?.fstype).toBe("nfs4");
  });
  it("not mounted (no output) → null", () => {
    expect(parseFindmnt(loadOutput("findmnt", "not-mounted.txt").stdout)).toBeNull();
  });
});

describe("wanted options vs the kernel's list", () => {
  const live = parseFindmnt(loadOutput("findmnt", "nfs4-rw.txt").stdout)!.options;
  it.each<[string, string[]]>([
    ["rw,hard,noatime,_netdev", []],
    ["defaults,nofail,x-systemd.automount", []],
    ["nfsvers=4.2,proto=tcp,timeo=600", []],
    ["vers=4", []],
    ["vers=4.1", ["vers=4.1"]],
    ["rsize=65536", []],
    ["ro,hard", ["ro"]],
    ["soft,timeo=100", ["soft", "timeo=100"]],
  ])("%s → missing %j", (wanted, missing) => {
    expect(missingOptions(wanted, live)).toEqual(missing);
  });
});

describe("builder's read-only mount", () => {
  const live = parseFindmnt(loadOutput("findmnt", "nfs4-ro.txt").stdout)!.options;
  it("wanted ro,hard,_netdev → nothing missing; wanted rw → rw missing (remount)", () => {
    expect(missingOptions("ro,hard,_netdev", live)).toEqual([]);
    expect(missingOptions("rw,hard", live)).toEqual(["rw"]);
  });
});

describe("fstab text editing", () => {
  it("escaped blanks → unescaped fields", () => {
    expect(parseFstabLine("srv:/a\\040b /mnt/a\\040b nfs defaults")).toEqual({ device: "srv:/a b", path: "/mnt/a b", fstype: "nfs", options: "defaults", dump: 0, pass: 0 });
  });
  it("missing line → appended; every other line byte for byte", () => {
    expect(editFstab(FSTAB, "/mnt/koji", KOJI)).toBe(`${FSTAB}cs10-koji-02.mx-os:/mnt/koji /mnt/koji nfs4 rw,hard,noatime,_netdev 0 0\n`);
  });
  it("file without a final newline → one added before ours", () => {
    expect(editFstab("UUID=1 / xfs defaults 0 0", "/mnt/koji", KOJI)).toBe("UUID=1 / xfs defaults 0 0\ncs10-koji-02.mx-os:/mnt/koji /mnt/koji nfs4 rw,hard,noatime,_netdev 0 0\n");
  });
  it("old line replaced in place, later duplicate dropped", () => {
    const text = "a:/x /mnt/koji nfs ro 0 0\nUUID=1 / xfs defaults 0 0\nb:/y /mnt/koji nfs rw 0 0\n";
    expect(editFstab(text, "/mnt/koji", KOJI)).toBe("cs10-koji-02.mx-os:/mnt/koji /mnt/koji nfs4 rw,hard,noatime,_netdev 0 0\nUUID=1 / xfs defaults 0 0\n");
  });
  it("remove → only that line goes", () => {
    expect(editFstab(`${FSTAB}a:/x /mnt/koji nfs ro 0 0\n`, "/mnt/koji", null)).toBe(FSTAB);
  });
  it("same entry with tabs and no dump/pass → already there (no rewrite)", () => {
    expect(fstabHas("cs10-koji-02.mx-os:/mnt/koji\t/mnt/koji\tnfs4\trw,hard,noatime,_netdev\n", KOJI)).toBe(true);
    expect(fstabHas("a /mnt/koji nfs4 rw 0 0\n", KOJI)).toBe(false);
  });
});

describe("same device", () => {
  const live = parseFindmnt(loadOutput("findmnt", "nfs4-rw.txt").stdout)!;
  it.each<[string, Partial<FstabEntry>, boolean]>([
    ["same server and export", {}, true],
    ["fstab says nfs, kernel says nfs4 → same family", { fstype: "nfs" }, true],
    ["trailing slash on the export → same", { device: "cs10-koji-02.mx-os:/mnt/koji/" }, true],
    ["other server → different", { device: "koji-nfs-old.mx-os:/srv/koji" }, false],
    ["UUID= cannot be compared with a device path → assumed same", { device: "UUID=1234", fstype: "auto" }, true],
    ["other fstype → different", { fstype: "xfs" }, false],
  ])("%s", (_name, over, same) => {
    expect(sameDevice(live, { ...KOJI, ...over })).toBe(same);
  });
});
