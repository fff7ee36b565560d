CREATE TABLE `host_claims` (
	`host` text PRIMARY KEY NOT NULL,
	`app_name` text NOT NULL,
	`path` text
);
--> statement-breakpoint
CREATE INDEX `host_claims_owner` ON `host_claims` (`app_name`,`path`);--> statement-breakpoint
ALTER TABLE `apps` ADD `hosts` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `routes` ADD `hosts` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
-- Function URLs: host_claims follows the hosts columns inside the statement that writes them, so a name
-- claimed twice fails that statement (UNIQUE on host_claims.host) whichever node wrote it (db/schema.ts).
CREATE TRIGGER `routes_hosts_insert` AFTER INSERT ON `routes` WHEN NEW.`hosts` <> '[]' BEGIN
	INSERT INTO `host_claims` (`host`, `app_name`, `path`) SELECT `value`, NEW.`app_name`, NEW.`path` FROM json_each(NEW.`hosts`);
END;
--> statement-breakpoint
CREATE TRIGGER `routes_hosts_update` AFTER UPDATE OF `hosts` ON `routes` WHEN OLD.`hosts` IS NOT NEW.`hosts` BEGIN
	DELETE FROM `host_claims` WHERE `app_name` = OLD.`app_name` AND `path` = OLD.`path`;
	INSERT INTO `host_claims` (`host`, `app_name`, `path`) SELECT `value`, NEW.`app_name`, NEW.`path` FROM json_each(NEW.`hosts`);
END;
--> statement-breakpoint
CREATE TRIGGER `routes_hosts_delete` AFTER DELETE ON `routes` WHEN OLD.`hosts` <> '[]' BEGIN
	DELETE FROM `host_claims` WHERE `app_name` = OLD.`app_name` AND `path` = OLD.`path`;
END;
--> statement-breakpoint
CREATE TRIGGER `apps_hosts_insert` AFTER INSERT ON `apps` WHEN NEW.`hosts` <> '[]' BEGIN
	INSERT INTO `host_claims` (`host`, `app_name`, `path`) SELECT `value`, NEW.`name`, NULL FROM json_each(NEW.`hosts`);
END;
--> statement-breakpoint
CREATE TRIGGER `apps_hosts_update` AFTER UPDATE OF `hosts` ON `apps` WHEN OLD.`hosts` IS NOT NEW.`hosts` BEGIN
	DELETE FROM `host_claims` WHERE `app_name` = OLD.`name` AND `path` IS NULL;
	INSERT INTO `host_claims` (`host`, `app_name`, `path`) SELECT `value`, NEW.`name`, NULL FROM json_each(NEW.`hosts`);
END;
--> statement-breakpoint
CREATE TRIGGER `apps_hosts_delete` AFTER DELETE ON `apps` WHEN OLD.`hosts` <> '[]' BEGIN
	DELETE FROM `host_claims` WHERE `app_name` = OLD.`name` AND `path` IS NULL;
END;
