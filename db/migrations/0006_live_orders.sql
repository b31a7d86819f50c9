ALTER TABLE `orders` ADD `venue_order_id` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `venue_trade_id` integer;--> statement-breakpoint
ALTER TABLE `orders` ADD `venue_commission_asset` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `venue_commission` integer DEFAULT 0 NOT NULL;