import { expect, test } from "vitest";
import { waitFor } from "./wait.js";

test("resolves with the first truthy value", async () => {
  let n = 0;
  expect(await waitFor(() => (++n >= 3 ? `n=${n}` : 0), { intervalMs: 1 })).toBe("n=3");
});

test("times out naming what fn last returned or threw", async () => {
  await expect(waitFor(() => false, { timeoutMs: 30, message: "ready" })).rejects.toThrow(
    /timed out after 30 ms waiting for ready; last returned: false/,
  );
  await expect(waitFor(() => { throw new Error("boom"); }, { timeoutMs: 30 })).rejects.toThrow(/last threw: Error: boom/);
  await expect(waitFor(() => new Promise(() => {}), { timeoutMs: 30 })).rejects.toThrow(/attempt still pending/);
});
