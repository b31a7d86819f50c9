CREATE TABLE `withdrawal_addresses` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`asset` text NOT NULL,
	`network` text NOT NULL,
	`address` text NOT NULL,
	`label` text DEFAULT '' NOT NULL,
	`created_at_ms` integer NOT NULL,
	`active_at_ms` integer NOT NULL,
	`removed_at_ms` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `withdrawal_addresses_user_idx` ON `withdrawal_addresses` (`user_id`,`asset`);--> statement-breakpoint
CREATE TABLE `withdrawals` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`idempotency_key` text NOT NULL,
	`request_hash` text NOT NULL,
	`asset` text NOT NULL,
	`amount` integer NOT NULL,
	`amount_gbp` integer NOT NULL,
	`address_id` text NOT NULL,
	`address` text NOT NULL,
	`status` text NOT NULL,
	`requires_approval` integer DEFAULT 0 NOT NULL,
	`hold_id` text NOT NULL,
	`reviewed_by` text,
	`transaction_reference` text,
	`reason` text,
	`created_at_ms` integer NOT NULL,
	`updated_at_ms` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `withdrawals_user_key_unique` ON `withdrawals` (`user_id`,`idempotency_key`);--> statement-breakpoint
CREATE INDEX `withdrawals_user_idx` ON `withdrawals` (`user_id`,`created_at_ms`);--> statement-breakpoint
CREATE INDEX `withdrawals_status_idx` ON `withdrawals` (`status`,`created_at_ms`);