/** The error recorded when the client disconnects before the answer is complete (nginx's 499). */
import { FaroError } from "../errors";

export const CLIENT_CLOSED_STATUS = 499;

export function clientGone(): FaroError {
  return new FaroError("The client closed the connection before the response was complete.", {
    status: CLIENT_CLOSED_STATUS,
    type: "invalid_request_error",
    code: "client_closed_request",
  });
}
