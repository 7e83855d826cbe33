import type { FastifyReply } from "fastify";
import { ERROR_CODES, type ErrorCode } from "../../shared/errors.js";

/** Every API error has one shape, and its status comes from the error catalogue. */
export function sendError(reply: FastifyReply, code: ErrorCode, message: string) {
  return reply.code(ERROR_CODES[code].http).send({ error: { code, message } });
}
