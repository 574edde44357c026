/**
 * Every activity handler, one module per type; importing this registers them all with
 * `inboxHandlers` (the InboxObject imports it).
 */
import "./accept";
import "./add";
import "./announce";
import "./block";
import "./create";
import "./delete";
import "./flag";
import "./follow";
import "./like";
import "./move";
import "./quote-request";
import "./reject";
import "./remove";
import "./undo";
import "./update";
