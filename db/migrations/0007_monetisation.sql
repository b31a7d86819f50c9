CREATE TABLE `plan_changes` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`client_key` text,
	`request_hash` text NOT NULL,
	`kind` text NOT NULL,
	`from_plan` text NOT NULL,
	`to_plan` text NOT NULL,
	`period_start_ms` integer NOT NULL,
	`period_end_ms` integer NOT NULL,
	`amount` integer NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`entry_id` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`retry_at_ms` integer,
	`created_at_ms` integer NOT NULL,
	`updated_at_ms` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "plan_changes_amount" CHECK("plan_changes"."amount" >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `plan_changes_client_key_unique` ON `plan_changes` (`user_id`,`client_key`);--> statement-breakpoint
CREATE INDEX `plan_changes_user_idx` ON `plan_changes` (`user_id`,`created_at_ms`);--> statement-breakpoint
CREATE INDEX `plan_changes_pending_idx` ON `plan_changes` (`status`) WHERE "plan_changes"."status" = 'pending';--> statement-breakpoint
CREATE TABLE `referral_rewards` (
	`id` text PRIMARY KEY NOT NULL,
	`referrer_id` text NOT NULL,
	`referee_id` text NOT NULL,
	`order_id` text NOT NULL,
	`book` text NOT NULL,
	`asset` text NOT NULL,
	`fee` integer NOT NULL,
	`reward` integer NOT NULL,
	`status` text NOT NULL,
	`entry_id` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`retry_at_ms` integer,
	`created_at_ms` integer NOT NULL,
	`paid_at_ms` integer,
	FOREIGN KEY (`referrer_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`referee_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "referral_rewards_positive" CHECK("referral_rewards"."reward" > 0 AND "referral_rewards"."fee" > 0)
);
--> statement-breakpoint
CREATE INDEX `referral_rewards_referrer_idx` ON `referral_rewards` (`referrer_id`,`created_at_ms`);--> statement-breakpoint
CREATE INDEX `referral_rewards_referee_idx` ON `referral_rewards` (`referee_id`,`book`,`asset`);--> statement-breakpoint
CREATE INDEX `referral_rewards_pending_idx` ON `referral_rewards` (`referee_id`) WHERE "referral_rewards"."status" = 'pending';--> statement-breakpoint
CREATE TABLE `subscriptions` (
	`user_id` text PRIMARY KEY NOT NULL,
	`plan` text NOT NULL,
	`period_start_ms` integer,
	`renews_at_ms` integer,
	`scheduled_plan` text,
	`change_in_flight` text,
	`notice` text,
	`notice_at_ms` integer,
	`updated_at_ms` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "subscriptions_plan" CHECK("subscriptions"."plan" IN ('free', 'pro', 'elite'))
);
--> statement-breakpoint
CREATE INDEX `subscriptions_renews_idx` ON `subscriptions` (`renews_at_ms`);--> statement-breakpoint
ALTER TABLE `orders` ADD `stop_price` integer;--> statement-breakpoint
ALTER TABLE `orders` ADD `triggered_at_ms` integer;--> statement-breakpoint
ALTER TABLE `orders` ADD `fee_discount_rate` text DEFAULT '0' NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` ADD `fee_discount` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `trades` ADD `fee_discount` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `signup_ip_prefix` text;--> statement-breakpoint
ALTER TABLE `users` ADD `deposit_reference` text;--> statement-breakpoint
CREATE UNIQUE INDEX `users_deposit_reference_unique` ON `users` (`deposit_reference`);