CREATE TABLE `reconcile_reports` (
	`id` text PRIMARY KEY NOT NULL,
	`trigger` text NOT NULL,
	`ok` integer NOT NULL,
	`checks` text NOT NULL,
	`duration_ms` integer NOT NULL,
	`created_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `reconcile_reports_created_idx` ON `reconcile_reports` (`created_at_ms`);--> statement-breakpoint
ALTER TABLE `withdrawals` ADD `pending` text;--> statement-breakpoint
ALTER TABLE `withdrawals` ADD `attempts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `withdrawals` ADD `retry_at_ms` integer;--> statement-breakpoint
ALTER TABLE `withdrawals` ADD `halted` text;--> statement-breakpoint
CREATE INDEX `withdrawals_pending_idx` ON `withdrawals` (`user_id`) WHERE "withdrawals"."pending" IS NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` ADD `attempts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` ADD `retry_at_ms` integer;--> statement-breakpoint
ALTER TABLE `orders` ADD `halted` text;--> statement-breakpoint
CREATE INDEX `orders_pending_idx` ON `orders` (`user_id`) WHERE "orders"."pending" IS NOT NULL;