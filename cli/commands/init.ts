import { execFile } from "node:child_process";
import { copyFile, mkdir, readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { FleetError } from "../../shared/errors.js";
import { writeFileAtomic } from "../../shared/atomic-file.js";
import { EXAMPLE_FILES, exampleDir } from "../init/example.js";
import { preCommitHook, REPOSITORY_README } from "../init/texts.js";
import { wantsHelp, type Command } from "../command.js";

const usage = `usage: koji-fleet init DIR

Creates a new desired-state repository in DIR (made if missing; refused if not empty):
the reference farm's fleet.yaml to edit, its JSON Schemas (fleet.schema.json,
koji-content.schema.json), a README, and git init (branch main) with a pre-commit hook that
runs koji-fleet validate on the staged fleet.yaml: an invalid commit is refused with
file:line:col errors, as the controller would refuse it. Nothing is committed: edit
fleet.yaml, then git add and commit.

exit codes: 0 ok, 2 usage, 3 the example is not installed, 5 git failed,
  12 DIR is not empty (KF_ERR_CONFLICT).`;

/** An empty or missing directory; anything else is refused (never mix with existing files). */
async function assertFresh(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return;
    if (code === "ENOTDIR") throw new FleetError("KF_ERR_CONFLICT", `${dir} is a file, not a directory`);
    throw err;
  }
  if (entries.length > 0) throw new FleetError("KF_ERR_CONFLICT", `${dir} is not empty (${entries.slice(0, 3).join(", ")}${entries.length > 3 ? ", …" : ""}): init makes a new repository only in an empty or new directory`);
}

async function git(dir: string, args: string[]): Promise<void> {
  try {
    await promisify(execFile)("git", args, { cwd: dir });
  } catch (err) {
    throw new FleetError("KF_ERR_GIT", `git ${args.join(" ")} in ${dir}: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`);
  }
}

export const initCommand: Command = {
  name: "init",
  usage,
  async run(args) {
    if (wantsHelp(args)) return console.log(usage), 0;
    if (args.length !== 1 || args[0]!.startsWith("-")) return console.error(usage), 2;
    const dir = resolve(args[0]!);
    const example = exampleDir();
    await assertFresh(dir);
    await mkdir(dir, { recursive: true });
    for (const f of EXAMPLE_FILES) await copyFile(join(example, f), join(dir, f));
    await writeFileAtomic(join(dir, "README.md"), REPOSITORY_README, 0o644);
    await git(dir, ["init", "--quiet", "--initial-branch=main"]);
    // The koji-fleet that runs now checks each commit: this node and this script, by absolute path.
    await writeFileAtomic(join(dir, ".git", "hooks", "pre-commit"), preCommitHook([process.execPath, resolve(process.argv[1]!)]), 0o755);
    console.log(`created ${dir}: fleet.yaml (the reference farm: edit it), fleet.schema.json, koji-content.schema.json, README.md`);
    console.log("git: branch main, a pre-commit hook that runs koji-fleet validate on the staged fleet.yaml");
    console.log(`next: cd ${dir} && git add . && git commit -m "the farm"; push it where the controller fetches from (controller.yaml git.url)`);
    return 0;
  },
};
