import { fail, ok, type Result } from "../../lib/result";
import type { IdWindow } from "../paging";
import * as domains from "./domain-moderation";
import * as door from "./sign-up-blocks";
import type { DomainBlockInput } from "../../schemas/admin-blocks";

/**
 * The admin API's calls on the directory's block lists, one op per endpoint, so that the
 * DirectoryObject keeps two thin methods. Unknown ids are 404s; the Worker renders values.
 */
export type DomainBlockOp =
  | { op: "list"; window: IdWindow }
  | { op: "get"; id: string }
  | { op: "create"; input: DomainBlockInput }
  | { op: "update"; id: string; input: DomainBlockInput }
  | { op: "delete"; id: string }
  | { op: "listAllows"; window: IdWindow }
  | { op: "getAllow"; id: string }
  | { op: "createAllow"; domain: string }
  | { op: "deleteAllow"; id: string };

const NOT_FOUND = "Record not found";
const found = <T>(value: T | null): Result<T> => (value ? ok(value) : fail(404, NOT_FOUND));

export function domainBlockOp(sql: SqlStorage, o: DomainBlockOp): Result<unknown> {
  switch (o.op) {
    case "list":
      return ok(domains.listDomainBlocks(sql, o.window));
    case "get":
      return found(domains.findDomainBlock(sql, o.id));
    case "create": {
      const created = domains.createDomainBlock(sql, o.input);
      return "conflict" in created ? ok({ conflict: created.conflict }) : created;
    }
    case "update":
      return found(domains.updateDomainBlock(sql, o.id, o.input));
    case "delete":
      return found(domains.deleteDomainBlock(sql, o.id));
    case "listAllows":
      return ok(domains.listDomainAllows(sql, o.window));
    case "getAllow":
      return found(domains.findDomainAllow(sql, o.id));
    case "createAllow":
      return domains.createDomainAllow(sql, o.domain);
    case "deleteAllow":
      return found(domains.deleteDomainAllow(sql, o.id));
  }
}

export type SignUpBlockOp =
  | { op: "listEmailDomains"; window: IdWindow }
  | { op: "getEmailDomain"; id: string }
  | { op: "createEmailDomain"; domain: string; allowWithApproval: boolean }
  | { op: "deleteEmailDomain"; id: string }
  | { op: "listIps"; window: IdWindow }
  | { op: "getIp"; id: string }
  | { op: "saveIp"; id: string | null; input: door.IpBlockInput }
  | { op: "deleteIp"; id: string }
  | { op: "listCanonical"; window: IdWindow }
  | { op: "getCanonical"; id: string }
  | { op: "createCanonical"; hash: string }
  | { op: "deleteCanonical"; id: string }
  | { op: "testCanonical"; hash: string };

export function signUpBlockOp(sql: SqlStorage, o: SignUpBlockOp): Result<unknown> {
  switch (o.op) {
    case "listEmailDomains":
      return ok(door.listEmailDomainBlocks(sql, o.window));
    case "getEmailDomain":
      return found(door.findEmailDomainBlock(sql, o.id));
    case "createEmailDomain":
      return door.createEmailDomainBlock(sql, o);
    case "deleteEmailDomain":
      return door.deleteEmailDomainBlock(sql, o.id) ? ok({}) : fail(404, NOT_FOUND);
    case "listIps":
      return ok(door.listIpBlocks(sql, o.window));
    case "getIp":
      return found(door.findIpBlock(sql, o.id));
    case "saveIp":
      return door.saveIpBlock(sql, o.id, o.input);
    case "deleteIp":
      return door.deleteIpBlock(sql, o.id) ? ok({}) : fail(404, NOT_FOUND);
    case "listCanonical":
      return ok(door.listCanonicalEmailBlocks(sql, o.window));
    case "getCanonical":
      return found(door.findCanonicalEmailBlock(sql, o.id));
    case "createCanonical":
      return door.createCanonicalEmailBlock(sql, o.hash);
    case "deleteCanonical":
      return door.deleteCanonicalEmailBlock(sql, o.id) ? ok({}) : fail(404, NOT_FOUND);
    case "testCanonical":
      return ok(door.canonicalEmailBlocksMatching(sql, o.hash));
  }
}
