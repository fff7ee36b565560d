ALTER TABLE `calls` ADD `callback_url` text;--> statement-breakpoint
ALTER TABLE `calls` ADD `callback_state` text;--> statement-breakpoint
ALTER TABLE `calls` ADD `callback_tries` text;--> statement-breakpoint
ALTER TABLE `calls` ADD `callback_next_at` integer;--> statement-breakpoint
ALTER TABLE `calls` ADD `callback_lease_owner` text;--> statement-breakpoint
ALTER TABLE `calls` ADD `callback_lease_until` integer;--> statement-breakpoint
ALTER TABLE `calls` ADD `callback_body` blob;--> statement-breakpoint
ALTER TABLE `calls` ADD `callback_content_type` text;--> statement-breakpoint
CREATE INDEX `calls_callback` ON `calls` (`callback_state`,`callback_next_at`);