export interface UserRow {
  id: string;
  username: string;
  full_name: string;
  email: string | null;
  must_change_password: boolean;
  created_at: Date;
  updated_at: Date;
}

export const USER_COLUMNS = ['id', 'username', 'full_name', 'email', 'must_change_password', 'created_at', 'updated_at'];

/** The public shape of a user in every response; never the hash. */
export function userView(row: UserRow) {
  return {
    id: row.id,
    username: row.username,
    full_name: row.full_name,
    email: row.email,
    must_change_password: row.must_change_password,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}

export const USERNAME_PATTERN = '^[a-z0-9_.-]{3,32}$';
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;
