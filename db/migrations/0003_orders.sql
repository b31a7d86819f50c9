CREATE TABLE `orders` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`client_key` text NOT NULL,
	`request_hash` text NOT NULL,
	`mode` text NOT NULL,
	`venue` text NOT NULL,
	`symbol` text NOT NULL,
	`side` text NOT NULL,
	`type` text NOT NULL,
	`price` integer,
	`quantity` integer,
	`quote_amount` integer,
	`hold_asset` text NOT NULL,
	`hold_amount` integer NOT NULL,
	`maker_rate` text NOT NULL,
	`taker_rate` text NOT NULL,
	`fee_asset` text NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`filled_quantity` integer NOT NULL,
	`filled_quote` integer NOT NULL,
	`quote_remainder` integer NOT NULL,
	`maker_quote` integer NOT NULL,
	`taker_quote` integer NOT NULL,
	`fee` integer NOT NULL,
	`fill_count` integer NOT NULL,
	`checked_until_ms` integer NOT NULL,
	`pending` text,
	`created_at_ms` integer NOT NULL,
	`updated_at_ms` integer NOT NULL,
	`closed_at_ms` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "orders_mode" CHECK("orders"."mode" IN ('live', 'paper')),
	CONSTRAINT "orders_status" CHECK("orders"."status" IN ('open', 'partially_filled', 'filled', 'cancelled', 'rejected')),
	CONSTRAINT "orders_amounts_non_negative" CHECK("orders"."filled_quantity" >= 0 AND "orders"."filled_quote" >= 0 AND "orders"."fee" >= 0 AND "orders"."hold_amount" >= 0),
	CONSTRAINT "orders_sized_once" CHECK(("orders"."quantity" IS NULL) != ("orders"."quote_amount" IS NULL))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `orders_user_client_key_unique` ON `orders` (`user_id`,`client_key`);--> statement-breakpoint
CREATE INDEX `orders_user_created_idx` ON `orders` (`user_id`,`created_at_ms`);--> statement-breakpoint
CREATE INDEX `orders_user_status_idx` ON `orders` (`user_id`,`status`);--> statement-breakpoint
CREATE TABLE `trades` (
	`id` text PRIMARY KEY NOT NULL,
	`order_id` text NOT NULL,
	`user_id` text NOT NULL,
	`mode` text NOT NULL,
	`symbol` text NOT NULL,
	`side` text NOT NULL,
	`liquidity` text NOT NULL,
	`price` integer NOT NULL,
	`quantity` integer NOT NULL,
	`quote_asset` text NOT NULL,
	`quote` integer NOT NULL,
	`fee_asset` text NOT NULL,
	`fee` integer NOT NULL,
	`fill_number` integer NOT NULL,
	`ledger_entry_id` text NOT NULL,
	`created_at_ms` integer NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "trades_mode" CHECK("trades"."mode" IN ('live', 'paper')),
	CONSTRAINT "trades_positive" CHECK("trades"."quantity" > 0 AND "trades"."price" > 0 AND "trades"."fee" >= 0)
);
--> statement-breakpoint
CREATE INDEX `trades_user_created_idx` ON `trades` (`user_id`,`created_at_ms`);--> statement-breakpoint
CREATE INDEX `trades_order_idx` ON `trades` (`order_id`);