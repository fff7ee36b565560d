CREATE TABLE `schedule_state` (
	`app_name` text NOT NULL,
	`path` text NOT NULL,
	`schedule` text NOT NULL,
	`last_tick` integer NOT NULL,
	`claim` text DEFAULT '' NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`app_name`, `path`)
);
--> statement-breakpoint
ALTER TABLE `routes` ADD `schedule` text;--> statement-breakpoint
-- A deleted route's schedule state goes with it (a route created again later starts from its own time).
CREATE TRIGGER `routes_schedule_delete` AFTER DELETE ON `routes` BEGIN
	DELETE FROM `schedule_state` WHERE `app_name` = OLD.`app_name` AND `path` = OLD.`path`;
END;
