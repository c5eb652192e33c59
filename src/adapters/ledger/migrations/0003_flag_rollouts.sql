ALTER TABLE "catch_up_devices" ADD COLUMN "from_flag" boolean;--> statement-breakpoint
ALTER TABLE "targets" ADD COLUMN "from_flag" boolean;