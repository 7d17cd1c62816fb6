/** Who is calling: a user now; agents join with Kernel foundation II (D14). */
export interface Principal {
  type: 'user';
  id: string;
  username: string;
  /** How the request proved it: cookie-authenticated writes get CSRF checks (D6). */
  via: 'cookie' | 'bearer' | 'api_key';
  apiKeyId: string | null;
  mustChangePassword: boolean;
}
