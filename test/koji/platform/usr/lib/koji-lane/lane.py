# What the Koji lane's stand-ins for EL tools share: where their state and configuration live,
# and failing the way the real tools fail (a message on stderr, their exit code). State sits
# under /var/lib/koji-lane/ (private to each farm host: /var is overlaid); the configuration
# under /usr/lib/koji-lane/ is written by test/koji/platform.ts (installPlatform).
import json
import os
import sys

CONFIG = "/usr/lib/koji-lane"
STATE = "/var/lib/koji-lane"


def at(root, path):
    """`path` under an installroot (dnf --installroot, rpm --root); root "/" is the host."""
    return os.path.join(root, path.lstrip("/"))


def config(name, root="/"):
    with open(at(root, f"{CONFIG}/{name}.json")) as f:
        return json.load(f)


def load(name, default, root="/"):
    try:
        with open(at(root, f"{STATE}/{name}.json")) as f:
            return json.load(f)
    except FileNotFoundError:
        return default


def save(name, data, root="/"):
    path = at(root, f"{STATE}/{name}.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".new", "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
    os.replace(path + ".new", path)


def fail(message, code=1):
    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.exit(code)


def unsupported(tool, argv):
    fail(f"{tool}: the Koji lane's stand-in does not support {' '.join(argv) or '(no arguments)'} (test/koji/platform/)", 2)
