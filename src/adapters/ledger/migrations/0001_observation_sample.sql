CREATE TABLE "target_counts" (
	"rollout_id" text NOT NULL,
	"stage_index" integer NOT NULL,
	"cohort" text,
	"devices" integer NOT NULL,
	CONSTRAINT "target_counts_rollout_id_stage_index_cohort_unique" UNIQUE NULLS NOT DISTINCT("rollout_id","stage_index","cohort")
);
--> statement-breakpoint
DROP INDEX "outcomes_by_stage_state";--> statement-breakpoint
ALTER TABLE "targets" ADD COLUMN "sample_fraction" double precision GENERATED ALWAYS AS ((('x' || substr(md5(device_id), 1, 8))::bit(32)::bigint)::double precision / 4294967296) STORED NOT NULL;--> statement-breakpoint
CREATE INDEX "targets_sample" ON "targets" USING btree ("rollout_id","sample_fraction");--> statement-breakpoint
CREATE INDEX "targets_stage_sample" ON "targets" USING btree ("rollout_id","stage_index","sample_fraction");--> statement-breakpoint
INSERT INTO "target_counts" ("rollout_id", "stage_index", "cohort", "devices")
SELECT "rollout_id", "stage_index", "cohort", count(*) FROM "targets" GROUP BY "rollout_id", "stage_index", "cohort";
