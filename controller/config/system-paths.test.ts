import { describe, expect, it } from "vitest";
import { systemPathReason } from "./system-paths.js";

describe("systemPathReason", () => {
  const refused: Array<[string, string]> = [
    ["/", "is the root directory"],
    ["/etc", "is the system directory /etc"],
    ["/etc/koji", "is inside the system directory /etc"],
    ["/usr/local/koji", "is inside the system directory /usr"],
    ["/bin", "is the system directory /bin"],
    ["/sbin/x", "is inside the system directory /sbin"],
    ["/lib", "is the system directory /lib"],
    ["/lib64/x", "is inside the system directory /lib64"],
    ["/libx32", "is the system directory /libx32"],
    ["/lib32/a/b", "is inside the system directory /lib32"],
    ["/boot/efi", "is inside the system directory /boot"],
    ["/root/.ssh", "is inside the system directory /root"],
    ["/proc/1", "is inside the system directory /proc"],
    ["/sys", "is the system directory /sys"],
    ["/dev/shm/koji", "is inside the system directory /dev"],
    ["/run/koji", "is inside the system directory /run"],
    ["/var/run/koji", "is inside the system directory /var/run"],
    ["/var/lock", "is the system directory /var/lock"],
    ["/var/lib/rpm", "is the system directory /var/lib/rpm"],
    ["/var/lib/rpm/x", "is inside the system directory /var/lib/rpm"],
    // Spellings that must not walk around the rule.
    ["/usr/../etc/x", "resolves to /etc/x, which is inside the system directory /etc"],
    ["/mnt/koji/../../etc", "resolves to /etc, which is the system directory /etc"],
    ["//etc", "resolves to /etc, which is the system directory /etc"],
    ["/etc/.", "resolves to /etc, which is the system directory /etc"],
    ["/etc/", "resolves to /etc, which is the system directory /etc"],
    ["/srv//root/../../root/x/", "resolves to /root/x, which is inside the system directory /root"],
    ["/..", "resolves to /, which is the root directory"],
    ["/mnt/..", "resolves to /, which is the root directory"],
    ["/./var/lib/./rpm", "resolves to /var/lib/rpm, which is the system directory /var/lib/rpm"],
    ["etc", "is not an absolute path"],
    ["", "is not an absolute path"],
  ];
  it.each(refused)("refuses %s: %s", (path, reason) => {
    expect(systemPathReason(path)).toBe(reason);
  });

  const allowed = [
    "/mnt/koji",
    "/srv/lookaside",
    "/srv/cache/lookaside/pkgs",
    "/var/tmp/koji",
    "/var/lib/pgsql/data",
    "/var/lib/rpmbuild",
    "/var/lib/rpmfoo",
    "/var/lib/rpm-state",
    "/var/lib",
    "/etcetera/koji",
    "/usrdata",
    "/home/koji",
    "/srv/etc",
    "/mnt/usr/../koji",
  ];
  it.each(allowed)("allows %s", (path) => {
    expect(systemPathReason(path)).toBeNull();
  });
});
