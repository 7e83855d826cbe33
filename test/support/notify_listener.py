# A NOTIFY_SOCKET for tests: binds an AF_UNIX datagram socket (Node's dgram cannot) and prints
# each datagram as a JSON string line. systemd-notify also passes a BARRIER fd (SCM_RIGHTS)
# and waits until the receiver has it; closing it here releases systemd-notify at once.
import array, json, os, socket, sys

sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(sys.argv[1])
print('"listening"', flush=True)
while True:
    data, ancillary, _flags, _addr = sock.recvmsg(65536, socket.CMSG_SPACE(64 * array.array("i").itemsize))
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i")
            fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
            for fd in fds:
                os.close(fd)
    print(json.dumps(data.decode("utf-8", "replace")), flush=True)
