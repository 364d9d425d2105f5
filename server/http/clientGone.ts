/** The error recorded when the client disconnects before the answer is complete (nginx's 499). */
import { FaroError } from "../errors";

export const CLIENT_CLOSED_STATUS = 499;
/** nginx's name for it; Node knows no reason phrase for 499 and would send "unknown". */
export const CLIENT_CLOSED_TEXT = "Client Closed Request";

export function clientGone(): FaroError {
  return new FaroError("The client closed the connection before the response was complete.", {
    status: CLIENT_CLOSED_STATUS,
    type: "invalid_request_error",
    code: "client_closed_request",
  });
}
