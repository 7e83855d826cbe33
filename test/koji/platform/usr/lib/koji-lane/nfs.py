# The NFS client the lane's mount, umount and findmnt stand in for: the lane bind-mounts the
# NFS host's tree at each path of lane.json's nfsMounts before the agent runs (standing in for
# the kernel NFS server and client). For those paths `mount` records the fstab entry's device,
# type and options in /var/lib/koji-lane/nfs-mounts.json, and findmnt reports that record
# while the bind is in place; every other path and argv goes to the real tools, copied to
# /usr/lib/koji-lane/real/ by installPlatform (these stand-ins shadow them in /usr/bin).
import os
import re
import sys

from lane import CONFIG, config, load, save

NFS_TYPES = ("nfs", "nfs4")
FSTAB_ONLY = {"defaults", "auto", "noauto", "user", "nouser", "users", "owner", "group", "_netdev", "nofail", "bg", "fg",
              "intr", "nointr", "exec", "suid", "dev", "async"}
SHOWN_BY_KERNEL = {"rw", "ro", "hard", "soft", "relatime", "noatime", "strictatime"}


def unescape(field):
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def stood_in(path):
    return path in config("lane")["nfsMounts"]


def passthrough(tool):
    os.execv(f"{CONFIG}/real/{tool}", [tool, *sys.argv[1:]])


def fstab_entry(path):
    """The last /etc/fstab line for `path` (mount(8) uses the last), as {device, fstype, options}."""
    found = None
    for line in open("/etc/fstab"):
        f = line.split()
        if len(f) >= 3 and not f[0].startswith("#") and unescape(f[1]) == path:
            found = {"device": unescape(f[0]), "fstype": f[2], "options": f[3] if len(f) > 3 else "defaults"}
    return found


def bound(path):
    """Whether something (the lane's bind) is mounted at `path` in this mount namespace."""
    return any(unescape(line.split()[4]) == path for line in open("/proc/self/mountinfo"))


def mounts():
    return load("nfs-mounts", {})


def save_mounts(table):
    save("nfs-mounts", table)


def kernel_options(fstab_options):
    """The option list the kernel shows for an NFS mount made with `fstab_options` (nfs_show_options order)."""
    given = [o for o in fstab_options.split(",") if o and o not in FSTAB_ONLY and not o.startswith(("x-", "comment=", "retry="))]
    vers = next((o.split("=", 1)[1] for o in given if o.startswith(("vers=", "nfsvers="))), "4.2")
    atime = next((o for o in given if o in ("noatime", "strictatime")), "relatime")
    rest = [o for o in given if o not in SHOWN_BY_KERNEL and not o.startswith(("vers=", "nfsvers="))]
    return ["ro" if "ro" in given else "rw", atime, f"vers={vers}", "rsize=1048576", "wsize=1048576", "namlen=255",
            "soft" if "soft" in given else "hard", "proto=tcp", "timeo=600", "retrans=2", "sec=sys", "local_lock=none", *rest]
