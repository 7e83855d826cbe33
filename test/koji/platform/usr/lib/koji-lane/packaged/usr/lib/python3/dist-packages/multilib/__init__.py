# Stands in for python3-multilib (koji-builder needs it on EL; Debian has no such package): see multilib.py.
