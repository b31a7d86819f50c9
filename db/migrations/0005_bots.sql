CREATE TABLE `bot_events` (
	`id` text PRIMARY KEY NOT NULL,
	`bot_id` text NOT NULL,
	`user_id` text NOT NULL,
	`at_ms` integer NOT NULL,
	`kind` text NOT NULL,
	`message` text NOT NULL,
	`detail` text DEFAULT '{}' NOT NULL,
	FOREIGN KEY (`bot_id`) REFERENCES `bots`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `bot_events_bot_idx` ON `bot_events` (`bot_id`,`at_ms`,`id`);--> statement-breakpoint
CREATE TABLE `bots` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`client_key` text NOT NULL,
	`request_hash` text NOT NULL,
	`type` text NOT NULL,
	`symbol` text NOT NULL,
	`mode` text NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`budget_asset` text NOT NULL,
	`budget` integer NOT NULL,
	`params` text NOT NULL,
	`state` text DEFAULT '{}' NOT NULL,
	`pending` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`retry_at_ms` integer,
	`halted` text,
	`ticks` integer DEFAULT 0 NOT NULL,
	`last_tick_at_ms` integer,
	`created_at_ms` integer NOT NULL,
	`updated_at_ms` integer NOT NULL,
	`started_at_ms` integer,
	`stopped_at_ms` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "bots_status" CHECK("bots"."status" IN ('draft', 'awaiting_confirmation', 'running', 'paused', 'stopped', 'error')),
	CONSTRAINT "bots_budget_positive" CHECK("bots"."budget" > 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bots_user_client_key_unique` ON `bots` (`user_id`,`client_key`);--> statement-breakpoint
CREATE INDEX `bots_user_created_idx` ON `bots` (`user_id`,`created_at_ms`);--> statement-breakpoint
CREATE INDEX `bots_status_idx` ON `bots` (`status`,`mode`);--> statement-breakpoint
ALTER TABLE `orders` ADD `bot_id` text;--> statement-breakpoint
CREATE INDEX `orders_bot_idx` ON `orders` (`bot_id`,`created_at_ms`);