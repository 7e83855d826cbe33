import { describe, expect, it } from "vitest";
import { durationText } from "./time.js";

describe("durationText (a rollout's duration, in rollout status and on the dashboard)", () => {
  it("tenths of a second to hours, rounded where the unit changes", () => {
    expect([120, 994, 3_449, 9_990, 59_600, 119_600, 179_600, 7_199_000, 11_220_000, -5].map(durationText)).toEqual([
      "0.12 s", "0.99 s", "3.4 s", "10 s", "60 s", "2 min 00 s", "3 min 00 s", "119 min 59 s", "3 h 07 min", "0.00 s",
    ]);
  });
});
