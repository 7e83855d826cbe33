"""Units and their processes for the Koji lane's systemctl stand-in (/usr/bin/systemctl; why it
exists and what it ignores is said there). Unit: a unit file with its drop-ins as systemd reads
them. Job: one unit's run state, and starting, stopping and reloading its processes."""
import glob
import grp
import hashlib
import json
import os
import pwd
import re
import shlex
import shutil
import signal
import time
import uuid

UNIT_DIRS = ("/etc/systemd/system", "/run/systemd/system", "/usr/lib/systemd/system")
LOADED = "/var/lib/koji-lane/systemd/loaded"
RUN = "/run/koji-lane"
LOGS = "/var/log/koji-lane"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin"
SUFFIXES = (".service", ".timer", ".socket", ".mount", ".target", ".path", ".slice", ".scope", ".swap", ".automount", ".device")


def normalize(name):
    return name if name.endswith(SUFFIXES) else f"{name}.service"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def read(path, default=""):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return default


def parse_into(sections, text):
    """systemd's unit syntax: a trailing backslash continues the line; an empty value resets."""
    section, pending = None, ""
    for raw in text.splitlines():
        line = raw.strip()
        if pending and line[:1] in ("#", ";"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = (pending + line).strip(), ""
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = sections.setdefault(line[1:-1], {})
        elif "=" in line and section is not None:
            key, value = (s.strip() for s in line.split("=", 1))
            values = section.setdefault(key, [])
            values.clear() if value == "" else values.append(value)


def digest(path):
    if os.path.islink(path):
        return "-> " + os.readlink(path)
    return hashlib.sha256(read(path).encode()).hexdigest()


def unit_files(name):
    """The fragment candidates and drop-ins, as paths: what NeedDaemonReload compares."""
    paths = []
    for d in UNIT_DIRS:
        paths += [f"{d}/{name}"] + sorted(glob.glob(f"{d}/{name}.d/*.conf"))
    return {p: digest(p) for p in paths if os.path.lexists(p)}


def template_of(name):
    stem, dot, suffix = name.rpartition(".")
    prefix, at, _ = stem.partition("@")
    return f"{prefix}@.{suffix}" if at else None


class Unit:
    def __init__(self, fields):
        self.__dict__.update(fields)

    def get(self, section, key):
        values = self.sections.get(section, {}).get(key)
        return values[-1] if values else ""

    def getall(self, section, key):
        return self.sections.get(section, {}).get(key, [])

    def unit_file_state(self):
        if self.load_state == "not-found":
            return ""
        if self.load_state == "masked":
            return "masked-runtime" if self.fragment.startswith("/run/") else "masked"
        links = enablement(self.name)
        if links:
            return "enabled-runtime" if all(link.startswith("/run/") for link in links) else "enabled"
        return "disabled" if install_targets(self) else "static"


def load_from_disk(name):
    u = {"name": name, "kind": name.rsplit(".", 1)[1], "fragment": "", "dropins": [], "sections": {},
         "files": unit_files(name), "load_state": "not-found"}
    candidates = [f"{d}/{n}" for n in (name, template_of(name)) if n for d in UNIT_DIRS]
    fragment = next((p for p in candidates if os.path.lexists(p)), None)
    if fragment is None:
        return Unit(u)
    u["fragment"] = fragment
    if os.path.realpath(fragment) == "/dev/null" or os.path.getsize(fragment) == 0:
        u["load_state"] = "masked"
        return Unit(u)
    dropins = {}
    for d in reversed(UNIT_DIRS):  # a drop-in in /etc replaces the one of the same name in /usr/lib
        dropins.update({os.path.basename(p): p for p in glob.glob(f"{d}/{name}.d/*.conf")})
    u["dropins"] = [dropins[k] for k in sorted(dropins)]
    for path in [fragment] + u["dropins"]:
        parse_into(u["sections"], read(path))
    unit = Unit(u)
    starts = unit.getall("Service", "ExecStart")
    oneshot = unit.get("Service", "Type") == "oneshot"
    bad = unit.kind == "service" and (len(starts) > 1 and not oneshot or not starts and not unit.getall("Service", "ExecStop"))
    unit.load_state = "bad-setting" if bad else "loaded"
    return unit


def load(name):
    """The unit as systemd has it loaded: read from disk on first use, then kept until a reload."""
    path = f"{LOADED}/{name}.json"
    try:
        with open(path) as f:
            return Unit(json.load(f))
    except FileNotFoundError:
        unit = load_from_disk(name)
        if unit.load_state != "not-found":  # systemd looks a missing unit up again each time
            write(path, json.dumps(unit.__dict__))
        return unit


def need_daemon_reload(unit):
    return unit.load_state != "not-found" and unit.files != unit_files(unit.name)


def daemon_reload():
    shutil.rmtree(LOADED, ignore_errors=True)


def install_targets(unit):
    """The <target>.wants / .requires directories enable links the unit into."""
    wants = [f"{t}.wants" for v in unit.getall("Install", "WantedBy") for t in v.split()]
    return wants + [f"{t}.requires" for v in unit.getall("Install", "RequiredBy") for t in v.split()]


def enablement(name, runtime_only=False):
    dirs = ("/run/systemd/system",) if runtime_only else ("/etc/systemd/system", "/run/systemd/system")
    return [p for d in dirs for p in glob.glob(f"{d}/*.wants/{name}") + glob.glob(f"{d}/*.requires/{name}") if os.path.islink(p)]


def specifiers(name, text):
    stem = name.rsplit(".", 1)[0]
    prefix, _, instance = stem.partition("@")
    table = {"n": name, "N": stem, "p": prefix, "i": instance, "I": instance, "t": "/run", "S": "/var/lib",
             "C": "/var/cache", "L": "/var/log", "%": "%"}
    return re.sub(r"%(.)", lambda m: table.get(m.group(1), m.group(0)), text)


def expand(words, env):
    """A word that is exactly $VAR becomes the value's words (none when unset or empty); ${VAR}
    inside a word becomes the value as is; $$ is a dollar."""
    out = []
    for w in words:
        whole = re.fullmatch(r"\$([A-Za-z_][A-Za-z0-9_]*)", w)
        if whole:
            out += env.get(whole.group(1), "").split()
        else:
            out.append(re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$\$", lambda m: env.get(m.group(1), "") if m.group(1) else "$", w))
    return out


class Command:
    """One Exec line: prefixes - (failure ignored), @ (argv[0] given), + and ! (run as root),
    : (no variable expansion)."""

    def __init__(self, name, line, env):
        line = specifiers(name, line)
        prefixes = re.match(r"[-@+!:]*", line).group(0)
        words = shlex.split(line[len(prefixes):])
        words = words if ":" in prefixes else expand(words, env)
        self.path = words[0] if words[0].startswith("/") else shutil.which(words[0], path=PATH) or words[0]
        self.argv = words[1:] if "@" in prefixes else words
        self.ignore_failure = "-" in prefixes
        self.as_root = "+" in prefixes or "!" in prefixes


EXIT_NAMES = {0: "SUCCESS", 200: "CHDIR", 203: "EXEC"}  # the exit codes systemd's own failures use


def exit_text(status):
    if os.WIFSIGNALED(status):
        return f"code=killed, status={os.WTERMSIG(status)}/{signal.Signals(os.WTERMSIG(status)).name[3:]}"
    code = os.WEXITSTATUS(status)
    return f"code=exited, status={code}/{EXIT_NAMES.get(code, 'FAILURE')}"


def proc_stat(pid):
    """(state letter, start time) of a process, or None when there is none."""
    fields = read(f"/proc/{pid}/stat").rpartition(")")[2].split()
    return (fields[0], int(fields[19])) if len(fields) > 19 else None


def alive(pid, starttime=None):
    st = proc_stat(pid)
    return st is not None and st[0] not in "ZX" and (starttime is None or st[1] == starttime)


def processes(invocation):
    """The unit's processes: what carries its INVOCATION_ID (systemd would use its cgroup)."""
    tag = f"INVOCATION_ID={invocation}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/environ", "rb") as f:
                    if tag in f.read().split(b"\0"):
                        found.append(int(entry))
            except OSError:
                pass
    return found


def send(pids, sig):
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


class Job:
    # Descriptors a forked monitor must not keep (the systemctl lock).
    inherited_fds = []

    def __init__(self, unit):
        self.unit = unit
        self.name = unit.name
        self.pid_file = f"{RUN}/{self.name}.pid"
        self.state_file = f"{RUN}/{self.name}.state"
        self.state = json.loads(read(self.state_file, "{}"))
        desc = unit.get("Unit", "Description")
        self.title = f"{self.name} - {desc}" if desc else self.name

    def save(self, **state):
        self.state = state
        write(self.state_file, json.dumps(state))

    def note(self, line):
        """A line in the unit's journal, as systemd would log it."""
        os.makedirs(LOGS, exist_ok=True)
        with open(f"{LOGS}/{self.name}.log", "a") as f:
            f.write(line + "\n")

    def main_pid(self):
        text = read(self.pid_file).strip()
        return int(text) if text.isdigit() else 0

    def active_state(self):
        """(ActiveState, SubState, MainPID)."""
        pid = self.main_pid()
        if pid and alive(pid, self.state.get("starttime")):
            return "active", "running", pid
        if pid:  # the main process is gone and nothing recorded a clean exit
            return "failed", "failed", 0
        result = self.state.get("result")
        if result in ("exited", "waiting"):
            return "active", result, 0
        return ("failed", "failed", 0) if result == "failed" else ("inactive", "dead", 0)

    def environment(self, main_pid=0):
        env = {"PATH": PATH, "INVOCATION_ID": self.state.get("invocation", "")}
        if main_pid:
            env["MAINPID"] = str(main_pid)
        if self.user:
            env.update(HOME=self.user.pw_dir, USER=self.user.pw_name, LOGNAME=self.user.pw_name, SHELL=self.user.pw_shell)
        for assignment in self.unit.getall("Service", "Environment"):
            env.update(w.split("=", 1) for w in shlex.split(specifiers(self.name, assignment)) if "=" in w)
        for path in self.unit.getall("Service", "EnvironmentFile"):  # these override Environment=
            path = specifiers(self.name, path)
            if not os.path.exists(path.lstrip("-")):
                if path.startswith("-"):
                    continue
                raise OSError(f"Failed to load environment files: {path}")
            for line in read(path.lstrip("-")).splitlines():
                key, eq, value = line.strip().partition("=")
                if eq and key[:1] not in ("#", ";"):
                    value = value.strip()
                    env[key.strip()] = value[1:-1] if len(value) > 1 and value[0] == value[-1] and value[0] in "\"'" else value
        return env

    def prepare(self):
        """User=, Group=, WorkingDirectory=: the credentials and place every command runs with."""
        user, group = self.unit.get("Service", "User"), self.unit.get("Service", "Group")
        self.user = (pwd.getpwuid(int(user)) if user.isdigit() else pwd.getpwnam(user)) if user else None
        if group:
            self.gid = int(group) if group.isdigit() else grp.getgrnam(group).gr_gid
        else:
            self.gid = self.user.pw_gid if self.user else 0
        cwd = self.unit.get("Service", "WorkingDirectory") or "/"
        home = self.user.pw_dir if self.user else "/root"
        self.cwd = specifiers(self.name, cwd).replace("~", home, 1) if cwd.lstrip("-").startswith("~") else specifiers(self.name, cwd)

    def commands(self, key, env):
        return [Command(self.name, line, env) for line in self.unit.getall("Service", key)]

    def exec_child(self, cmd, env):
        """In a forked child: stdio to the journal, the unit's credentials, then exec. Never returns."""
        try:
            os.setsid()
            log = os.open(f"{LOGS}/{self.name}.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            os.dup2(os.open("/dev/null", os.O_RDONLY), 0)
            os.dup2(log, 1)
            os.dup2(log, 2)
            os.umask(0o022)
            if not cmd.as_root and (self.user or self.gid):
                os.setgid(self.gid)
                if self.user:
                    os.initgroups(self.user.pw_name, self.gid)
                    os.setuid(self.user.pw_uid)
            try:
                os.chdir(self.cwd.lstrip("-"))
            except OSError as e:
                if not self.cwd.startswith("-"):
                    os.write(2, f"{self.name}: Changing to the requested working directory failed: {e.strerror}\n".encode())
                    os._exit(200)
                os.chdir("/")
            os.execve(cmd.path, cmd.argv, env)
        except OSError as e:
            os.write(2, f"{self.name}: Failed to execute {cmd.path}: {e.strerror}\n".encode())
        os._exit(203)

    def run_control(self, cmd, env):
        """A command systemd waits for (ExecStartPre, oneshot ExecStart, ExecReload, ExecStop); True if it succeeded."""
        pid = os.fork()
        if pid == 0:
            self.exec_child(cmd, env)
        status = os.waitpid(pid, 0)[1]
        if status != 0 and not cmd.ignore_failure:
            self.note(f"{self.name}: Control process exited, {exit_text(status)}")
            return False
        return True

    def spawn_main(self, cmd, env):
        """A Type=simple main process, detached, with a monitor that records how it ends."""
        ready_r, ready_w = os.pipe()
        if os.fork() == 0:  # the monitor
            for fd in [ready_r] + self.inherited_fds:
                os.close(fd)
            os.setsid()
            null = os.open("/dev/null", os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            main = os.fork()
            if main == 0:
                self.exec_child(cmd, env)
            self.save(**self.state, starttime=proc_stat(main)[1])
            write(self.pid_file, f"{main}\n")
            os.close(ready_w)
            status = os.waitpid(main, 0)[1]
            if self.main_pid() == main:  # not a stop: the daemon ended by itself
                os.unlink(self.pid_file)
                self.note(f"{self.name}: Main process exited, {exit_text(status)}")
                send(processes(self.state["invocation"]), signal.SIGTERM)
                if status != 0:
                    self.note(f"{self.name}: Failed with result 'exit-code'.")
                self.save(invocation=self.state["invocation"], result="dead" if status == 0 else "failed")
            os._exit(0)
        os.close(ready_w)
        os.read(ready_r, 1)  # EOF once the pid file is written
        os.close(ready_r)

    def adopt_forked(self):
        """Type=forking: the main pid from PIDFile=, else the oldest of the unit's processes."""
        pid_file = self.unit.get("Service", "PIDFile")
        for _ in range(50):
            text = read(specifiers(self.name, pid_file)).strip() if pid_file else ""
            pids = [int(text)] if text.isdigit() else [] if pid_file else processes(self.state["invocation"])
            pids = [p for p in pids if alive(p)]
            if pids:
                main = min(pids, key=lambda p: proc_stat(p)[1])
                self.save(**self.state, starttime=proc_stat(main)[1])
                write(self.pid_file, f"{main}\n")
                return True
            time.sleep(0.1)
        self.note(f"{self.name}: New main PID could not be determined.")
        return False

    def start(self):
        """Runs the unit's start; False (with the reason in the journal) when it failed."""
        self.save(invocation=uuid.uuid4().hex, result="starting")
        self.note(f"Starting {self.title}...")
        try:
            self.prepare()
            env = self.environment()
            pre, starts = self.commands("ExecStartPre", env), self.commands("ExecStart", env)
        except (OSError, KeyError, ValueError) as e:  # no such user or group, environment file, bad quoting
            self.note(f"{self.name}: Failed to set up the service: {e}")
            return self.failed()
        kind = self.unit.get("Service", "Type") or "simple"
        if not all(self.run_control(c, env) for c in pre):
            return self.failed()
        if kind == "oneshot":
            if not all(self.run_control(c, env) for c in starts):
                return self.failed()
            remain = self.unit.get("Service", "RemainAfterExit") in ("yes", "true", "1", "on")
            self.save(invocation=self.state["invocation"], result="exited" if remain else "dead")
            self.note(f"Finished {self.title}.")
            return True
        if kind == "forking":
            if not self.run_control(starts[0], env) or not self.adopt_forked():
                return self.failed()
        else:
            self.note(f"Started {self.title}.")  # before the main process runs, as systemd logs it
            self.spawn_main(starts[0], env)
            return True
        self.note(f"Started {self.title}.")
        return True

    def failed(self):
        self.kill_all(signal.SIGKILL)
        if os.path.exists(self.pid_file):
            os.unlink(self.pid_file)
        self.save(invocation=self.state.get("invocation", ""), result="failed")
        self.note(f"{self.name}: Failed with result 'exit-code'.")
        self.note(f"Failed to start {self.title}.")
        return False

    def kill_all(self, sig, main_pid=0):
        """Signals the unit's processes (and its main pid, should that one have dropped the tag); returns them."""
        pids = set(processes(self.state["invocation"])) if self.state.get("invocation") else set()
        send(pids | ({main_pid} if main_pid else set()), sig)
        return pids

    def stop(self, wait_s):
        """ExecStop=, then KillSignal= to the unit's processes (KillMode=), SIGKILL after wait_s."""
        state, _, main_pid = self.active_state()
        if self.unit.kind != "service" or state not in ("active", "failed"):
            self.save(result="dead")
            return
        if state == "active":
            self.note(f"Stopping {self.title}...")
            self.prepare()
            for cmd in self.commands("ExecStop", self.environment(main_pid)):
                self.run_control(cmd, self.environment(main_pid))
        if os.path.exists(self.pid_file):
            os.unlink(self.pid_file)  # tells the monitor this exit is expected
        sig_name = self.unit.get("Service", "KillSignal") or "SIGTERM"
        sig = signal.Signals[sig_name if sig_name.startswith("SIG") else f"SIG{sig_name}"]
        # KillMode=: control-group signals every process; process and mixed only the main one,
        # and mixed then SIGKILLs the rest once the main process is gone.
        mode = self.unit.get("Service", "KillMode") or "control-group"
        if mode == "control-group":
            self.kill_all(sig, main_pid)
        elif main_pid:
            send([main_pid], sig)
        deadline = time.monotonic() + wait_s
        while (main_pid and alive(main_pid)) or (mode == "control-group" and self.kill_all(0)):
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        if main_pid and alive(main_pid):
            send([main_pid], signal.SIGKILL)
        if mode != "process":
            self.kill_all(signal.SIGKILL)
        self.save(invocation=self.state.get("invocation", ""), result="failed" if state == "failed" else "dead")
        if state == "active":
            self.note(f"Stopped {self.title}.")

    def reload(self, main_pid):
        self.note(f"Reloading {self.title}...")
        self.prepare()
        env = self.environment(main_pid)
        ok = all(self.run_control(c, env) for c in self.commands("ExecReload", env))
        self.note(f"Reloaded {self.title}." if ok else f"{self.name}: Reload failed.")
        return ok
