CREATE TABLE `meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `secrets` (
	`app_name` text NOT NULL,
	`name` text NOT NULL,
	`value` blob NOT NULL,
	`version` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`app_name`, `name`),
	FOREIGN KEY (`app_name`) REFERENCES `apps`(`name`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `cache_changes` ADD `secret` text;--> statement-breakpoint
ALTER TABLE `routes` ADD `secrets` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
-- Secrets (see db/schema.ts). Every secret write is logged for the other nodes' route caches, like apps and routes in 0002_cluster.
CREATE TRIGGER `secrets_changed_insert` AFTER INSERT ON `secrets` BEGIN
	INSERT INTO `cache_changes` (`app_name`, `path`, `secret`, `at`) VALUES (NEW.`app_name`, NULL, NEW.`name`, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
--> statement-breakpoint
CREATE TRIGGER `secrets_changed_update` AFTER UPDATE ON `secrets` BEGIN
	INSERT INTO `cache_changes` (`app_name`, `path`, `secret`, `at`) VALUES (NEW.`app_name`, NULL, NEW.`name`, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
--> statement-breakpoint
CREATE TRIGGER `secrets_changed_delete` AFTER DELETE ON `secrets` BEGIN
	INSERT INTO `cache_changes` (`app_name`, `path`, `secret`, `at`) VALUES (OLD.`app_name`, NULL, OLD.`name`, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
--> statement-breakpoint
-- The database itself keeps a route's secrets existing, whatever node writes: a secret a route lists cannot be deleted,
-- and a route cannot list a secret its app does not have (the API checks first, for its messages; these close the races).
CREATE TRIGGER `secrets_in_use` BEFORE DELETE ON `secrets`
WHEN EXISTS (SELECT 1 FROM `routes`, json_each(`routes`.`secrets`) AS j WHERE `routes`.`app_name` = OLD.`app_name` AND j.`value` = OLD.`name`)
BEGIN
	SELECT RAISE(ABORT, 'podfn: secret in use by a route');
END;
--> statement-breakpoint
CREATE TRIGGER `routes_secrets_known_insert` BEFORE INSERT ON `routes`
WHEN EXISTS (SELECT 1 FROM json_each(NEW.`secrets`) AS j WHERE NOT EXISTS (SELECT 1 FROM `secrets` AS s WHERE s.`app_name` = NEW.`app_name` AND s.`name` = j.`value`))
BEGIN
	SELECT RAISE(ABORT, 'podfn: unknown secret');
END;
--> statement-breakpoint
CREATE TRIGGER `routes_secrets_known_update` BEFORE UPDATE OF `secrets` ON `routes`
WHEN EXISTS (SELECT 1 FROM json_each(NEW.`secrets`) AS j WHERE NOT EXISTS (SELECT 1 FROM `secrets` AS s WHERE s.`app_name` = NEW.`app_name` AND s.`name` = j.`value`))
BEGIN
	SELECT RAISE(ABORT, 'podfn: unknown secret');
END;
--> statement-breakpoint
-- An app's secrets go with it (apps are deleted only without routes, or after them when cascading).
CREATE TRIGGER `apps_delete_secrets` BEFORE DELETE ON `apps` BEGIN
	DELETE FROM `secrets` WHERE `app_name` = OLD.`name`;
END;
