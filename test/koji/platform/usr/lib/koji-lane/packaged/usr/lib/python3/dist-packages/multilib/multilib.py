# Stands in for python3-multilib's module, which kojid imports at start (Debian has no such
# package): kojid only uses it for multilib dist-repos, which the lane never asks for, so any
# use fails saying so instead of kojid failing to start.


def __getattr__(name):
    raise NotImplementedError(f"multilib.{name}: the Koji lane's python3-multilib stand-in has no multilib support (test/koji/platform/)")
