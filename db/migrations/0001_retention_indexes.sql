CREATE INDEX `call_logs_created` ON `call_logs` (`created_at`);--> statement-breakpoint
CREATE INDEX `calls_created` ON `calls` (`created_at`);