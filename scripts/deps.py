#!/usr/bin/env python3
"""The harness's dependency check, one that a developer's machine cannot fool.

A command that works here only because somebody installed its package by hand makes the
README's commands fail on a fresh machine. So this does not ask whether a command is there;
it asks dpkg's database (what `dpkg -S` answers) which package the command comes from:

  1. Every external command a stage calls (found by reading scripts/*.sh, scripts/*.py, the
     Makefile and .ci/run) must come from a package that `make setup` installs
     (config/packages.list) or from what a fresh Debian 12 machine already has
     (config/fresh-debian12.list: a minimal root with git and make, which the README
     asks for). Both are lists in the repository, so what is installed here, by hand or
     as another package's dependency, counts for nothing.
  2. Every such command that setup installs must be declared by need() in the script that
     calls it (for a Python script: in a script that runs it), so the stage fails before it
     starts, with one line naming the command and its package.
  3. Every command or file config/packages.list names must really belong to the package it
     is listed under, so need()'s message names the right package.

Commands are found by reading the scripts, not by running them: a word in command position
that is not a builtin, a keyword or a function of the harness, and that names a program in
the system's directories. A word that names no program here is passed over (a case pattern,
an argument), so a stage can only hide a command from this check by not running it here.

Usage: deps.py [--list FILE] [--scan FILE]... [--verbose]
  --list FILE   setup's package list (default config/packages.list)
  --scan FILE   read FILE too, as if it were one of the stages (the self-test plants one)
Prints one line per problem, naming the command and the script; exit 1 if there is any.
"""
import os
import re
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The directories the stages search (scripts/lib.sh sets PATH to exactly these).
SYSTEM_PATH = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
# Words that run the command that follows them.
WRAPPERS = {"env", "exec", "nice", "nohup", "time", "timeout", "xargs", "command", "sudo", "stdbuf"}
SHELL_WORDS = {"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "in", "esac",
               "function", "!", "{", "}", "[[", "]]", "coproc"}


def read_list(path):
    """{package: [command or /path, ...]} from a packages.list file."""
    pkgs = {}
    with open(path) as f:
        for line in f:
            words = line.split("#", 1)[0].split()
            if words:
                pkgs[words[0]] = words[1:]
    return pkgs


# ---- finding the commands a script calls ---------------------------------------------------

def strip_heredocs(text):
    """The script without here-document bodies (Python, patches, awk programs ...)."""
    out, end = [], None
    for line in text.split("\n"):
        if end is not None:
            if line.strip() == end:
                end = None
            out.append("")
            continue
        out.append(line)
        m = re.search(r"<<-?\s*['\"]?([A-Za-z_][A-Za-z0-9_]*)['\"]?", line)
        if m and "<<<" not in line:
            end = m.group(1)
    return "\n".join(out)


def substitutions(s):
    """Split shell text into (top-level text with quotes and substitutions blanked, [(inner
    command text, its offset)]): $(...), `...` and <(...) inside or outside double quotes are
    commands of their own; quoted text is not. Newlines are kept, for line numbers."""
    top, inner, i, n = [], [], 0, len(s)

    def closing(j):  # index of the ')' that closes the '(' at j-1, honouring nesting and quotes
        depth = 1
        while j < n:
            c = s[j]
            if c == "\\":
                j += 2
                continue
            if c == "'":
                j = s.find("'", j + 1)
                if j < 0:
                    return n
            elif c == '"':
                j += 1
                while j < n and s[j] != '"':
                    j += 2 if s[j] == "\\" else 1
            elif c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
                if depth == 0:
                    return j
            j += 1
        return n

    dq = False
    while i < n:
        c = s[i]
        if c == "\\":
            top.append(" ")
            i += 2
            continue
        if s.startswith("$((", i):
            i = closing(i + 3) + 2
            top.append("Q")
            continue
        if s.startswith("$(", i) or (not dq and s[i:i + 2] in ("<(", ">(")):
            j = closing(i + 2)
            inner.append((s[i + 2:j], i))
            top.append("Q")
            i = j + 1
            continue
        if c == "`":
            j = s.find("`", i + 1)
            j = n if j < 0 else j
            inner.append((s[i + 1:j], i))
            top.append("Q")
            i = j + 1
            continue
        if c == "$" and i + 1 < n and s[i + 1] == "{":
            j = s.find("}", i)
            j = n if j < 0 else j
            top.append("$V")
            i = j + 1
            continue
        if dq:
            if c == '"':
                dq = False
            i += 1
            continue
        if c == '"':
            dq = True
            top.append("Q")
            i += 1
            continue
        if c == "'":
            j = s.find("'", i + 1)
            i = (n if j < 0 else j) + 1
            top.append("Q")
            continue
        if c == "#" and (i == 0 or s[i - 1] in " \t\n;|&("):
            j = s.find("\n", i)
            i = n if j < 0 else j
            continue
        top.append(c)
        i += 1
    return "".join(top), inner


def first_words(segment):
    """The words of one simple command that name a command: the first word after assignments,
    keywords and wrappers (and the word after -exec)."""
    words = segment.split()
    found = []
    for k, w in enumerate(words):
        if w == "-exec" and k + 1 < len(words):
            found.append(words[k + 1])
    i = 0
    while i < len(words):
        w = words[i]
        if w in SHELL_WORDS or re.match(r"^[A-Za-z_][A-Za-z0-9_]*\+?=", w):
            i += 1
            continue
        if w in ("case", "for", "select"):
            return found
        if w in WRAPPERS:
            if w == "command" and i + 1 < len(words) and words[i + 1].startswith("-"):
                return found  # command -v NAME: a question, not a call
            i += 1
            while i < len(words) and (words[i].startswith("-") or re.match(r"^[A-Za-z_]\w*=", words[i])
                                      or (w == "timeout" and re.match(r"^[0-9.]+[smhd]?$|^Q$|^\$", words[i]))
                                      or (w == "nice" and re.match(r"^-?[0-9]+$", words[i]))):
                if words[i] in ("-s", "-k", "-n") and i + 1 < len(words):
                    i += 1  # an option that takes a value
                i += 1
            continue
        found.append(w)
        # "$SUDO apt-get ...": a word held in a variable may wrap the next one.
        if w.startswith("$") and i + 1 < len(words):
            found.append(words[i + 1])
        return found
    return found


def shell_commands(text):
    """The command names a shell script calls, with their line numbers."""
    text = strip_heredocs(text).replace("\\\n", " \n")
    todo = [(text, 1)]
    seen = []
    while todo:
        chunk, line0 = todo.pop()
        top, inner = substitutions(chunk)
        todo.extend((t, line0 + chunk.count("\n", 0, at)) for t, at in inner)
        lineno = line0
        for piece in re.split(r"(\n|\|\||&&|;;|[|;&(){}])", top):
            if piece == "\n":
                lineno += 1
                continue
            for w in first_words(piece):
                seen.append((w, lineno))
    return seen


def python_commands(text):
    """Commands a Python script runs: subprocess calls with a literal program name."""
    found = []
    for m in re.finditer(r"subprocess\.\w+\(\s*\[\s*['\"]([\w.+-]+)['\"]", text):
        found.append((m.group(1), text.count("\n", 0, m.start()) + 1))
    return found


def makefile_commands(text):
    found = []
    for k, line in enumerate(text.split("\n"), 1):
        if line.startswith("\t"):
            recipe = re.sub(r"\$\([^)]*\)", "Q", line.lstrip("\t@-+ "))
            found.extend((w, k) for w, _ in shell_commands(recipe))
    return found


def declared(text):
    """The commands and files a script declares with need()."""
    names = set()
    for m in re.finditer(r"^\s*need\s+([^#;&|\n]+)", text, re.M):
        names.update(m.group(1).split())
    return names


# ---- who owns a command --------------------------------------------------------------------

_OWNERS = {}


def dpkg_files():
    """{path: package} for every file dpkg installed (its .list files, read once: one
    dpkg-query -S per command would take seconds)."""
    if not _OWNERS:
        info = "/var/lib/dpkg/info"
        for f in os.listdir(info):
            if f.endswith(".list"):
                pkg = f[:-5].split(":")[0]
                with open(os.path.join(info, f), errors="replace") as fh:
                    for line in fh:
                        _OWNERS.setdefault(line.rstrip("\n"), pkg)
    return _OWNERS


def dpkg_owner(path):
    """The package that owns PATH, following usrmerge and symlinks (alternatives); or None."""
    owners = dpkg_files()
    tried, p = set(), path
    while p and p not in tried:
        tried.add(p)
        for q in (p, p[4:] if p.startswith("/usr/") else "/usr" + p):
            if q in owners:
                return owners[q]
        if not os.path.islink(p):
            break
        p = os.path.normpath(os.path.join(os.path.dirname(p), os.readlink(p)))
    return None


def which(cmd):
    if "/" in cmd:
        return cmd if os.path.exists(cmd) else None
    for d in SYSTEM_PATH:
        p = os.path.join(d, cmd)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return None


def base_packages(path):
    """The packages every fresh Debian 12 machine has (config/fresh-debian12.list)."""
    with open(path) as f:
        return {line.split("#", 1)[0].strip() for line in f} - {""}


def main(argv):
    lst = os.path.join(TOP, "config", "packages.list")
    extra, verbose = [], False
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--list" and args:
            lst = args.pop(0)
        elif a == "--scan" and args:
            extra.append(os.path.abspath(args.pop(0)))
        elif a == "--verbose":
            verbose = True
        else:
            print(__doc__[__doc__.index("Usage:"):].strip(), file=sys.stderr)
            return 2
    listed = read_list(lst)
    listname = os.path.relpath(lst, TOP) if lst.startswith(TOP) else lst
    base = base_packages(os.path.join(TOP, "config", "fresh-debian12.list"))
    builtins = set(subprocess.run(["bash", "-c", "compgen -b; compgen -k"], capture_output=True,
                                  text=True).stdout.split())

    scripts = sorted(os.path.join(TOP, "scripts", f) for f in os.listdir(os.path.join(TOP, "scripts"))
                     if f.endswith((".sh", ".py")))
    scripts += [os.path.join(TOP, "Makefile"), os.path.join(TOP, ".ci", "run")] + extra
    texts = {s: open(s).read() for s in scripts}
    functions = set()
    for t in texts.values():
        functions.update(re.findall(r"^\s*([A-Za-z_][\w-]*)\s*\(\)\s*\{", t, re.M))
        functions.update(re.findall(r"^\s*function\s+([A-Za-z_][\w-]*)", t, re.M))
    needs = {s: declared(t) for s, t in texts.items()}

    problems = []
    owners = {}
    checked = 0

    def owner(cmd):
        if cmd not in owners:
            path = which(cmd)
            owners[cmd] = (path, dpkg_owner(path) if path else None)
        return owners[cmd]

    for s in scripts:
        rel = os.path.relpath(s, TOP)
        t = texts[s]
        if s.endswith(".py"):
            calls = python_commands(t)
        elif os.path.basename(s) == "Makefile":
            calls = makefile_commands(t)
        else:
            calls = shell_commands(t)
        m = re.match(r"#!\s*(?:/usr/bin/env\s+)?(\S+)", t)
        if m:
            calls.append((os.path.basename(m.group(1)), 1))
        # need()'s own words are commands the script runs, whether or not it calls them here.
        calls += [(c, 0) for c in needs[s]]
        for cmd, line in calls:
            cmd = cmd.strip("\"'")
            if (not re.match(r"^(/[\w./+-]+|[A-Za-z0-9_][\w.+-]*)$", cmd) or cmd in builtins
                    or cmd in functions):
                continue
            path, pkg = owner(cmd)
            if path is None:
                if line == 0:
                    problems.append("%s: need %s: no such command on this machine" % (rel, cmd))
                continue  # not a command here: a case pattern, an argument ...
            checked += 1
            where = "%s:%d" % (rel, line) if line else rel
            if pkg is None:
                problems.append("%s: calls %s (%s), which no Debian package provides" % (where, cmd, path))
            elif pkg not in listed and pkg not in base:
                problems.append("%s: calls %s, from package %s, which setup does not install (%s)"
                                " and a fresh Debian 12 machine does not have" % (where, cmd, pkg, listname))
            elif pkg in listed and pkg not in base:
                callers = [s] if not s.endswith(".py") else [
                    c for c in scripts if not c.endswith(".py") and os.path.basename(s) in texts[c]]
                if not any(cmd in needs[c] for c in callers):
                    problems.append("%s: calls %s (package %s) without declaring it with need%s"
                                    % (where, cmd, pkg, "" if not s.endswith(".py")
                                       else " in a script that runs it"))
            if verbose:
                print("# %s: %s -> %s (%s)" % (where, cmd, path, pkg))

    # What the list says must be true: each named command or file belongs to its package.
    for pkg, names in listed.items():
        for name in names:
            path = which(name)
            if path is None:
                problems.append("%s: %s %s: %s is not on this machine (run: make setup)" % (listname, pkg, name, name))
                continue
            got = dpkg_owner(path)
            if got != pkg:
                problems.append("%s: %s is listed under %s but comes from %s" % (listname, name, pkg, got or "no package"))

    for p in sorted(set(problems)):
        print("deps: " + p)
    print("deps: %s: %d scripts, %d command calls checked against %d packages setup installs"
          " and %d a fresh Debian 12 machine has; %d problem%s"
          % ("FAIL" if problems else "PASS", len(scripts), checked, len(listed), len(base),
             len(set(problems)), "" if len(set(problems)) == 1 else "s"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
