// The import boundaries of eslint.config.js, applied to code written for the test: each layer
// refuses what it must not import, and accepts what it may.
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const eslint = new ESLint({ cwd: new URL("..", import.meta.url).pathname });
const errorsOf = async (filePath: string, source: string) =>
  (await eslint.lintText(source, { filePath }))[0]!.messages.filter((m) => m.severity === 2).map((m) => m.message);

describe("layering (eslint.config.js)", () => {
  it("agent code importing the controller fails, and the other way round", async () => {
    expect(await errorsOf("agent/probes/new.ts", `import { CertificateAuthority } from "../../controller/ca/authority.js";\n`)).toEqual([
      expect.stringContaining("must not import controller/"),
    ]);
    expect(await errorsOf("controller/new.ts", `import { Agent } from "../agent/agent.js";\n`)).toEqual([expect.stringContaining("must not import agent/")]);
  });

  it("shared imports none of ours; product code no test support", async () => {
    expect(await errorsOf("shared/new.ts", `import { x } from "../cli/main.js";\nimport { y } from "../agent/bus.js";\n`)).toHaveLength(2);
    expect(await errorsOf("cli/new.ts", `import { TestFleet } from "../test/support/fleet.js";\n`)).toEqual([expect.stringContaining("must not import test/")]);
  });

  it("the controller's composition root refuses non-null assertions", async () => {
    expect(await errorsOf("controller/controller.ts", `export const f = (x: string | null) => x!.length;\n`)).toEqual([expect.stringContaining("no non-null assertion")]);
    expect(await errorsOf("controller/leader.ts", `export const f = (x: string | null) => x?.length ?? 0;\n`)).toEqual([]);
  });

  it("allows what layering allows: cli both daemons, shared from anywhere, tests anything", async () => {
    expect(await errorsOf("cli/new.ts", `import { Agent } from "../agent/agent.js";\nimport { Controller } from "../controller/controller.js";\n`)).toEqual([]);
    expect(await errorsOf("agent/new.ts", `import { FleetError } from "../shared/errors.js";\n`)).toEqual([]);
    expect(await errorsOf("agent/new.test.ts", `import { CertificateAuthority } from "../controller/ca/authority.js";\n`)).toEqual([]);
  });
});
