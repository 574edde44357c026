/** Paging window a list endpoint receives: ids are digit strings compared as numbers. */
export interface Page {
  maxId?: string;
  sinceId?: string;
  minId?: string;
  limit: number;
}
