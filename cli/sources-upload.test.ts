import { describe, expect, it } from "vitest";
import { FleetError } from "../shared/errors.js";
import { sourcesCommand } from "./commands/sources.js";
import { lookasideBase, lookasideUrls, refusalCode, sourcesLine } from "./sources-upload.js";

const H = "a".repeat(128);

describe("koji-fleet sources upload: its pure parts", () => {
  it("prints the line fedpkg writes in the sources file", () => {
    expect(sourcesLine("hello-2.12.tar.gz", H)).toBe(`SHA512 (hello-2.12.tar.gz) = ${H}`);
  });

  it("--lookaside: a host means https://HOST/repo/pkgs; a URL is taken as given; plain HTTP is refused", () => {
    expect(lookasideBase("cs10-koji-04.mx-os").href).toBe("https://cs10-koji-04.mx-os/repo/pkgs");
    expect(lookasideBase("https://pkgs.example.org:8443/lookaside/").href).toBe("https://pkgs.example.org:8443/lookaside/");
    expect(() => lookasideBase("http://pkgs.example.org/repo/pkgs")).toThrow(/must be HTTPS/);
  });

  it("downloads from the dist-git layout and PUTs to the same place under upload.cgi", () => {
    expect(lookasideUrls(new URL("https://l.example/repo/pkgs/"), "hello", "hello-2.12.tar.gz", H)).toEqual({
      download: new URL(`https://l.example/repo/pkgs/hello/hello-2.12.tar.gz/sha512/${H}/hello-2.12.tar.gz`),
      upload: new URL(`https://l.example/repo/pkgs/upload.cgi/hello/hello-2.12.tar.gz/sha512/${H}`),
    });
  });

  it("refuses names the lookaside would refuse, before sending anything", () => {
    const base = new URL("https://l.example/repo/pkgs");
    for (const [pkg, file] of [["../x", "f.tar.gz"], ["p", ".hidden"], ["p", "a b.tar.gz"], ["p", "a%2f.tar"]] as const) {
      expect(() => lookasideUrls(base, pkg, file, H)).toThrow(FleetError);
    }
  });

  it("maps the lookaside's refusals to exit codes", () => {
    expect([403, 413, 400, 411, 500, 502].map(refusalCode)).toEqual(["KF_ERR_FORBIDDEN", "KF_ERR_TOO_LARGE", "KF_ERR_USAGE", "KF_ERR_USAGE", "KF_ERR_NOT_READY", "KF_ERR_NOT_READY"]);
  });

  it("exits 2 with the usage when the file, --package or --lookaside is missing", async () => {
    const errors: string[] = [];
    const orig = console.error;
    console.error = (m: string) => void errors.push(m);
    try {
      expect(await sourcesCommand.run(["upload", "f.tar.gz", "--lookaside", "l.example"])).toBe(2);
      expect(await sourcesCommand.run(["upload", "--package", "p", "--lookaside", "l.example"])).toBe(2);
      expect(await sourcesCommand.run(["upload", "f.tar.gz", "--package", "p"])).toBe(2);
    } finally {
      console.error = orig;
    }
    expect(errors[0]).toMatch(/^usage: koji-fleet sources upload FILE --package NAME/);
  });
});
