CREATE TABLE `route_history` (
	`app_name` text NOT NULL,
	`path` text NOT NULL,
	`version` integer NOT NULL,
	`action` text NOT NULL,
	`restored_from` integer,
	`definition` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`app_name`, `path`, `version`)
);
--> statement-breakpoint
-- A route's history goes with it (a plain delete or an app's cascading delete).
CREATE TRIGGER `routes_history_delete` AFTER DELETE ON `routes` BEGIN
	DELETE FROM `route_history` WHERE `app_name` = OLD.`app_name` AND `path` = OLD.`path`;
END;
--> statement-breakpoint
-- Routes stored before history existed start theirs with their current definition (version 1).
INSERT INTO `route_history` (`app_name`, `path`, `version`, `action`, `restored_from`, `definition`, `created_at`)
SELECT `app_name`, `path`, 1, 'create', NULL,
	json_object('appName', `app_name`, 'path', `path`, 'image', `image`, 'memory', `memory`, 'headers', json(`headers`), 'type', `type`,
		'format', `format`, 'maxConcurrency', `max_concurrency`, 'timeout', `timeout`, 'idleTimeout', `idle_timeout`, 'config', json(`config`), 'jwtKey', `jwt_key`),
	`updated_at`
FROM `routes`;
