CREATE TABLE `cache_changes` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`app_name` text NOT NULL,
	`path` text,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `nodes` (
	`id` text PRIMARY KEY NOT NULL,
	`instance` text NOT NULL,
	`address` text NOT NULL,
	`version` text NOT NULL,
	`pid` integer NOT NULL,
	`started_at` integer NOT NULL,
	`heartbeat_at` integer NOT NULL,
	`hot_containers` integer DEFAULT 0 NOT NULL,
	`inflight` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE `routes` ADD `jwt_key` text;--> statement-breakpoint
-- Cache coherence across gateway nodes: every app/route write appends a change row (see db/schema.ts).
CREATE TRIGGER `apps_changed_insert` AFTER INSERT ON `apps` BEGIN
	INSERT INTO `cache_changes` (`app_name`, `path`, `at`) VALUES (NEW.`name`, NULL, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
--> statement-breakpoint
CREATE TRIGGER `apps_changed_update` AFTER UPDATE ON `apps` BEGIN
	INSERT INTO `cache_changes` (`app_name`, `path`, `at`) VALUES (NEW.`name`, NULL, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
--> statement-breakpoint
CREATE TRIGGER `apps_changed_delete` AFTER DELETE ON `apps` BEGIN
	INSERT INTO `cache_changes` (`app_name`, `path`, `at`) VALUES (OLD.`name`, NULL, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
--> statement-breakpoint
CREATE TRIGGER `routes_changed_insert` AFTER INSERT ON `routes` BEGIN
	INSERT INTO `cache_changes` (`app_name`, `path`, `at`) VALUES (NEW.`app_name`, NEW.`path`, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
--> statement-breakpoint
CREATE TRIGGER `routes_changed_update` AFTER UPDATE ON `routes` BEGIN
	INSERT INTO `cache_changes` (`app_name`, `path`, `at`) VALUES (NEW.`app_name`, NEW.`path`, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
--> statement-breakpoint
CREATE TRIGGER `routes_changed_delete` AFTER DELETE ON `routes` BEGIN
	INSERT INTO `cache_changes` (`app_name`, `path`, `at`) VALUES (OLD.`app_name`, OLD.`path`, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
