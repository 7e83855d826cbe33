# The SELinux the lane's getsebool, setsebool, semanage and restorecon stand in for (Debian
# loads no policy): booleans with a runtime and a persistent value, local file-context rules,
# and file labels, all in /var/lib/koji-lane/selinux.json. A file nobody relabelled has its
# nearest relabelled ancestor's type (new files inherit their directory's), else the type the
# policy gives its path (POLICY_TYPES).
import re

from lane import load, save

# targeted policy defaults (runtime = persistent) of the booleans a Koji farm touches.
BOOLEANS = {
    "httpd_anon_write": False,
    "httpd_builtin_scripting": True,
    "httpd_can_network_connect": False,
    "httpd_can_network_connect_db": False,
    "httpd_graceful_shutdown": True,
    "httpd_use_nfs": False,
    "nfs_export_all_ro": True,
    "nfs_export_all_rw": True,
}
ALIASES = {"allow_httpd_anon_write": "httpd_anon_write"}  # old names getsebool maps to the policy's
POLICY_TYPES = [("/srv", "var_t"), ("/mnt", "mnt_t"), ("/var/lib", "var_lib_t"), ("/etc", "etc_t"), ("/", "default_t")]
FILE_TYPES = {"a": "all files", "f": "regular file", "d": "directory", "l": "symbolic link"}


def context(type_):
    return f"system_u:object_r:{type_}:s0"


def state():
    s = load("selinux", None)
    if s is None:
        s = {"booleans": {n: {"active": v, "persistent": v} for n, v in BOOLEANS.items()}, "fcontexts": [], "labels": {}}
    return s


def store(s):
    save("selinux", s)


def boolean_name(name):
    return ALIASES.get(name, name)


def wanted_type(s, path, is_dir):
    for rule in reversed(s["fcontexts"]):
        if rule["filetype"] in ("all files", "directory" if is_dir else "regular file") and re.fullmatch(rule["pattern"], path):
            return rule["type"]
    return policy_type(path)


def policy_type(path):
    return next(t for prefix, t in POLICY_TYPES if path == prefix or path.startswith(prefix.rstrip("/") + "/"))


def current_context(s, path):
    p = path
    while True:
        if p in s["labels"]:
            return s["labels"][p]
        if p == "/":
            return context(policy_type(path))
        p = p.rsplit("/", 1)[0] or "/"
