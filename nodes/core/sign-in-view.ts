/**
 * What the editor may know of a delegated object's sign-in: its state, who and when,
 * never a token. Browser-safe: the admin routes make it, the editor and sidebar read it.
 */

export type SignInState =
  /** Nobody signed in since the object was deployed with this grant, client and server. */
  | 'none'
  /** A device flow is waiting for the person to enter the code. */
  | 'pending'
  | 'signed-in'
  /** The server refused the refresh token: sign in again. */
  | 'required'
  /** The person (or the provider) refused the sign-in. */
  | 'denied'
  /** The device code ran out before anyone entered it. */
  | 'expired'
  /** The sign-in failed; `message` says why. */
  | 'error';

/** `GET /auth-objects/sign-in/:id`, and `signIn` of a row of `GET /auth-objects/expiries`. */
export interface SignInView {
  state: SignInState;
  /** The ID token's `preferred_username`, `email` or `sub`, when there was one. */
  who?: string;
  /** ISO 8601 time of the sign-in. */
  at?: string;
  /** ISO 8601 time the refresh token expires, when the server said. */
  refreshExpiresAt?: string;
  /** For `error` (and `denied`): what went wrong, in the user's words. */
  message?: string;
  /** The error code behind `error`, `denied` or `expired` (`access_denied`, `SIGN_IN_FAILED`, ...). */
  code?: string;
}
