// The koji CLI's profile, read as koji 1.35's read_config reads it, from a temp /etc and $HOME.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTmpDirs } from "../test/support/tmp.js";
import { parseIni, profileOptions, readKojiProfile } from "./koji-profile.js";

const tmp = useTmpDirs();

async function roots(files: Record<string, string>): Promise<{ etc: string; home: string }> {
  const root = await tmp("kf-koji-profile-");
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(root, path, ".."), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return { etc: join(root, "etc"), home: join(root, "home") };
}

describe("parseIni (Python's ConfigParser)", () => {
  it("sections, = and :, keys case-insensitive, comment lines, continuation lines, DEFAULT, %(key)s and %%", () => {
    const ini = parseIni("[DEFAULT]\nbase = https://koji.example\n\n[Koji]\n# a comment\n; another\nServer: %(base)s/kojihub\nweburl=%(base)s/koji\nnote = 100%%\n  sure\n");
    expect(Object.fromEntries(profileOptions(ini, "Koji")!)).toEqual({ base: "https://koji.example", server: "https://koji.example/kojihub", weburl: "https://koji.example/koji", note: "100%\nsure" });
    expect(profileOptions(ini, "koji")).toBeNull();
    expect(profileOptions(ini, "DEFAULT")).toBeNull();
  });
});

describe("readKojiProfile", () => {
  it("reads /etc/koji.conf.d/*.conf, /etc/koji.conf, ~/.koji/config.d/*.conf, ~/.koji/config in that order, later keys winning", async () => {
    const r = await roots({
      "etc/koji.conf.d/b.conf": "[farm]\nserver = https://b/kojihub\ncert = /b.pem\n",
      "etc/koji.conf.d/a.conf": "[farm]\nserver = https://a/kojihub\nserverca = /a-ca.pem\n",
      "etc/koji.conf.d/ignored.txt": "[farm]\nserver = https://ignored/kojihub\n",
      "etc/koji.conf": "[farm]\ncert = /etc.pem\n",
      "home/.koji/config.d/x.conf": "[farm]\nserverca = ~/ca.pem\n",
      "home/.koji/config": "[other]\nserver = https://other/kojihub\n",
    });
    expect(await readKojiProfile("farm", r)).toEqual({ server: "https://b/kojihub", serverca: join(r.home, "ca.pem"), cert: "/etc.pem" });
  });

  it("cert and serverca unset: ~/.koji/client.crt and ~/.koji/serverca.crt if they exist, else none; server unset: koji's default", async () => {
    const none = await roots({ "etc/koji.conf": "[koji]\n" });
    expect(await readKojiProfile("koji", none)).toEqual({ server: "http://localhost/kojihub", serverca: "", cert: "" });
    const some = await roots({ "etc/koji.conf": "[koji]\nserver = https://hub/kojihub\n", "home/.koji/serverca.crt": "x", "home/.koji/client.crt": "y" });
    expect(await readKojiProfile("koji", some)).toEqual({ server: "https://hub/kojihub", serverca: join(some.home, ".koji/serverca.crt"), cert: join(some.home, ".koji/client.crt") });
  });

  it("a profile no file has → KF_ERR_NOT_FOUND naming the files read", async () => {
    const r = await roots({ "etc/koji.conf": "[koji]\nserver = https://hub/kojihub\n" });
    await expect(readKojiProfile("nope", r)).rejects.toMatchObject({ code: "KF_ERR_NOT_FOUND", message: expect.stringMatching(/^no configuration for koji profile 'nope' in .*etc\/koji\.conf, /) });
  });
});
