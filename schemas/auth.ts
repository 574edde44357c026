import type { AccountRecord, Role, TokenRecord } from "./records";

/** Accounts, apps and tokens as the Worker and the account object exchange them. */
export interface NewAccount {
  id: string;
  username: string;
  email: string;
  password: string;
  role: Role;
  approved: boolean;
  locale?: string | null;
  /** Why the person wants to join (registrations in approval mode), for the moderators. */
  reason?: string | null;
}

export interface AppInfo {
  clientId: string;
  name: string;
  website: string | null;
}

export interface IssuedToken {
  access_token: string;
  scopes: string[];
  created_at: number;
}

export interface Viewer {
  account: AccountRecord;
  token: TokenRecord;
}
