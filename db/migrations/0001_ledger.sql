CREATE TABLE `ledger_balances` (
	`account` text NOT NULL,
	`asset` text NOT NULL,
	`user_id` text,
	`book` text NOT NULL,
	`balance` integer NOT NULL,
	`updated_at_ms` integer NOT NULL,
	PRIMARY KEY(`account`, `asset`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "ledger_balances_user_non_negative" CHECK("ledger_balances"."user_id" IS NULL OR "ledger_balances"."balance" >= 0),
	CONSTRAINT "ledger_balances_bounded_integer" CHECK(typeof("ledger_balances"."balance") = 'integer' AND "ledger_balances"."balance" BETWEEN -4000000000000000000 AND 4000000000000000000),
	CONSTRAINT "ledger_balances_account_owner" CHECK(("ledger_balances"."user_id" IS NOT NULL AND "ledger_balances"."account" LIKE 'user:' || "ledger_balances"."user_id" || ':' || "ledger_balances"."book" || ':%') OR ("ledger_balances"."user_id" IS NULL AND "ledger_balances"."account" LIKE 'system:' || "ledger_balances"."book" || ':%'))
);
--> statement-breakpoint
CREATE INDEX `ledger_balances_user_idx` ON `ledger_balances` (`user_id`);--> statement-breakpoint
CREATE TABLE `ledger_entries` (
	`sequence` integer PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`user_id` text NOT NULL,
	`book` text NOT NULL,
	`type` text NOT NULL,
	`reference` text,
	`hold_id` text,
	`request_hash` text NOT NULL,
	`result` text NOT NULL,
	`created_at_ms` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "ledger_entries_book" CHECK("ledger_entries"."book" IN ('live', 'paper'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_entries_id_unique` ON `ledger_entries` (`id`);--> statement-breakpoint
CREATE INDEX `ledger_entries_user_idx` ON `ledger_entries` (`user_id`,`sequence`);--> statement-breakpoint
CREATE INDEX `ledger_entries_user_type_idx` ON `ledger_entries` (`user_id`,`type`,`created_at_ms`);--> statement-breakpoint
CREATE INDEX `ledger_entries_hold_idx` ON `ledger_entries` (`user_id`,`hold_id`);--> statement-breakpoint
CREATE TABLE `ledger_holds` (
	`user_id` text NOT NULL,
	`id` text NOT NULL,
	`book` text NOT NULL,
	`asset` text NOT NULL,
	`kind` text NOT NULL,
	`source_account` text NOT NULL,
	`amount` integer NOT NULL,
	`remaining` integer NOT NULL,
	`status` text NOT NULL,
	`created_entry_id` text NOT NULL,
	`created_at_ms` integer NOT NULL,
	`resolved_at_ms` integer,
	PRIMARY KEY(`user_id`, `id`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "ledger_holds_amount_positive" CHECK(typeof("ledger_holds"."amount") = 'integer' AND "ledger_holds"."amount" > 0),
	CONSTRAINT "ledger_holds_remaining_within_amount" CHECK(typeof("ledger_holds"."remaining") = 'integer' AND "ledger_holds"."remaining" >= 0 AND "ledger_holds"."remaining" <= "ledger_holds"."amount"),
	CONSTRAINT "ledger_holds_open_iff_remaining" CHECK(("ledger_holds"."status" = 'open') = ("ledger_holds"."remaining" > 0))
);
--> statement-breakpoint
CREATE TABLE `ledger_postings` (
	`entry_id` text NOT NULL,
	`posting_index` integer NOT NULL,
	`account` text NOT NULL,
	`book` text NOT NULL,
	`asset` text NOT NULL,
	`amount` integer NOT NULL,
	PRIMARY KEY(`entry_id`, `posting_index`),
	FOREIGN KEY (`entry_id`) REFERENCES `ledger_entries`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "ledger_postings_amount_nonzero" CHECK("ledger_postings"."amount" != 0),
	CONSTRAINT "ledger_postings_amount_integer" CHECK(typeof("ledger_postings"."amount") = 'integer' AND "ledger_postings"."amount" BETWEEN -4000000000000000000 AND 4000000000000000000),
	CONSTRAINT "ledger_postings_account_in_book" CHECK("ledger_postings"."account" LIKE 'user:%:' || "ledger_postings"."book" || ':%' OR "ledger_postings"."account" LIKE 'system:' || "ledger_postings"."book" || ':%')
);
--> statement-breakpoint
CREATE INDEX `ledger_postings_account_idx` ON `ledger_postings` (`account`,`asset`);--> statement-breakpoint
-- Added by hand after generation (drizzle-kit has no triggers): the rules below hold even for
-- a writer that bypasses the application. Entries and postings are append-only; corrections
-- are new entries.
CREATE TRIGGER `ledger_entries_no_update` BEFORE UPDATE ON `ledger_entries`
BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;
--> statement-breakpoint
CREATE TRIGGER `ledger_entries_no_delete` BEFORE DELETE ON `ledger_entries`
BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;
--> statement-breakpoint
CREATE TRIGGER `ledger_postings_no_update` BEFORE UPDATE ON `ledger_postings`
BEGIN SELECT RAISE(ABORT, 'ledger_postings is append-only'); END;
--> statement-breakpoint
CREATE TRIGGER `ledger_postings_no_delete` BEFORE DELETE ON `ledger_postings`
BEGIN SELECT RAISE(ABORT, 'ledger_postings is append-only'); END;
--> statement-breakpoint
-- A posting lives in its entry's book, and a user account it touches is the entry's user's:
-- paper money never meets the live book, one user's entry never moves another user's money.
CREATE TRIGGER `ledger_postings_belong_to_entry` BEFORE INSERT ON `ledger_postings`
WHEN NEW.`book` IS NOT (SELECT `book` FROM `ledger_entries` WHERE `id` = NEW.`entry_id`)
  OR (NEW.`account` LIKE 'user:%'
      AND NEW.`account` NOT LIKE 'user:' || (SELECT `user_id` FROM `ledger_entries` WHERE `id` = NEW.`entry_id`) || ':%')
BEGIN SELECT RAISE(ABORT, 'a posting must stay in its entry''s book and user'); END;
--> statement-breakpoint
-- A hold resolves at most once: once settled or released it never changes again.
CREATE TRIGGER `ledger_holds_resolve_once` BEFORE UPDATE ON `ledger_holds`
WHEN OLD.`status` != 'open'
BEGIN SELECT RAISE(ABORT, 'a resolved hold never changes'); END;
--> statement-breakpoint
CREATE TRIGGER `ledger_holds_no_delete` BEFORE DELETE ON `ledger_holds`
BEGIN SELECT RAISE(ABORT, 'holds are never deleted'); END;
