// Loads every module that registers account jobs (jobs.ts), so that the registry is complete
// before the first alarm runs, whichever modules the RPC surface happens to import.
import "./archive";
import "./annual-reports";
import "./backfill";
import "./collection-notices";
import "./deletion";
import "./directory-sync";
import "./fanout";
import "./federation-out";
import "./federation-statuses";
import "./graph";
import "./imports";
import "./interactions";
import "./link-verification";
import "./media-jobs";
import "./moderation";
import "./moving";
import "./profile-copies";
import "./push-delivery";
import "./quote-federation";
import "./quote-rules";
import "./quotes";
import "./scheduled";
import "./search";
import "./statuses";
import "./user-domain-blocks";
