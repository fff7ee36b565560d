CREATE TABLE `apps` (
	`name` text PRIMARY KEY NOT NULL,
	`config` text DEFAULT '{}' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `call_logs` (
	`call_id` text PRIMARY KEY NOT NULL,
	`log` blob NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `calls` (
	`id` text PRIMARY KEY NOT NULL,
	`app_name` text NOT NULL,
	`path` text NOT NULL,
	`image` text NOT NULL,
	`type` text NOT NULL,
	`format` text NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`error` text,
	`method` text NOT NULL,
	`url` text NOT NULL,
	`headers` text,
	`payload` blob,
	`status_code` integer,
	`attempts` integer DEFAULT 0 NOT NULL,
	`max_attempts` integer DEFAULT 1 NOT NULL,
	`not_before` integer,
	`lease_owner` text,
	`lease_until` integer,
	`node_id` text,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`completed_at` integer
);
--> statement-breakpoint
CREATE INDEX `calls_app_created` ON `calls` (`app_name`,`created_at`);--> statement-breakpoint
CREATE INDEX `calls_queue` ON `calls` (`status`,`not_before`);--> statement-breakpoint
CREATE INDEX `calls_lease` ON `calls` (`status`,`lease_until`);--> statement-breakpoint
CREATE TABLE `routes` (
	`app_name` text NOT NULL,
	`path` text NOT NULL,
	`image` text NOT NULL,
	`memory` integer NOT NULL,
	`headers` text DEFAULT '{}' NOT NULL,
	`type` text NOT NULL,
	`format` text NOT NULL,
	`max_concurrency` integer NOT NULL,
	`timeout` integer NOT NULL,
	`idle_timeout` integer NOT NULL,
	`config` text DEFAULT '{}' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`app_name`, `path`),
	FOREIGN KEY (`app_name`) REFERENCES `apps`(`name`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `routes_image` ON `routes` (`image`);