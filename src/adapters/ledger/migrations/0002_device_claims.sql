CREATE TABLE "device_claims" (
	"device_id" text PRIMARY KEY NOT NULL,
	"rollout_id" text NOT NULL
);
--> statement-breakpoint
CREATE INDEX "device_claims_by_rollout" ON "device_claims" USING btree ("rollout_id");