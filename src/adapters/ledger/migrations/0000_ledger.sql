CREATE TABLE "catch_up_devices" (
	"rollout_id" text NOT NULL,
	"round" integer NOT NULL,
	"position" integer NOT NULL,
	"device_id" text NOT NULL,
	"from_version" text NOT NULL,
	"window" integer,
	"cohort" text,
	"failed_generation" integer NOT NULL,
	CONSTRAINT "catch_up_devices_rollout_id_round_position_pk" PRIMARY KEY("rollout_id","round","position")
);
--> statement-breakpoint
CREATE TABLE "catch_up_rounds" (
	"rollout_id" text NOT NULL,
	"round" integer NOT NULL,
	CONSTRAINT "catch_up_rounds_rollout_id_round_pk" PRIMARY KEY("rollout_id","round")
);
--> statement-breakpoint
CREATE TABLE "outcomes" (
	"rollout_id" text NOT NULL,
	"device_id" text NOT NULL,
	"seq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "outcomes_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"stage" text NOT NULL,
	"state" text NOT NULL,
	"attempts" integer NOT NULL,
	"reason" text,
	"operation_id" text,
	"error_code" text,
	"current_version" text,
	CONSTRAINT "outcomes_rollout_id_device_id_pk" PRIMARY KEY("rollout_id","device_id")
);
--> statement-breakpoint
CREATE TABLE "quarantined_firmware" (
	"seq" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "quarantined_firmware_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"version" text NOT NULL,
	"reason" text NOT NULL,
	"at" text NOT NULL,
	"cohort_attribute" text,
	"cohort_value" text,
	CONSTRAINT "quarantined_firmware_version_cohort_attribute_cohort_value_unique" UNIQUE NULLS NOT DISTINCT("version","cohort_attribute","cohort_value")
);
--> statement-breakpoint
CREATE TABLE "readings" (
	"rollout_id" text NOT NULL,
	"device_id" text NOT NULL,
	"firmware_version" text NOT NULL,
	"crash_count" integer NOT NULL,
	"firmware_uptime_seconds" double precision NOT NULL,
	CONSTRAINT "readings_rollout_id_device_id_pk" PRIMARY KEY("rollout_id","device_id")
);
--> statement-breakpoint
CREATE TABLE "rollouts" (
	"rollout_id" text PRIMARY KEY NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stages" (
	"rollout_id" text NOT NULL,
	"stage_index" integer NOT NULL,
	"name" text NOT NULL,
	CONSTRAINT "stages_rollout_id_stage_index_pk" PRIMARY KEY("rollout_id","stage_index")
);
--> statement-breakpoint
CREATE TABLE "targets" (
	"rollout_id" text NOT NULL,
	"stage_index" integer NOT NULL,
	"position" integer NOT NULL,
	"device_id" text NOT NULL,
	"from_version" text NOT NULL,
	"window" integer,
	"cohort" text,
	CONSTRAINT "targets_rollout_id_stage_index_position_pk" PRIMARY KEY("rollout_id","stage_index","position"),
	CONSTRAINT "targets_rollout_id_device_id_unique" UNIQUE("rollout_id","device_id")
);
--> statement-breakpoint
CREATE TABLE "withdrawals" (
	"rollout_id" text NOT NULL,
	"device_id" text NOT NULL,
	CONSTRAINT "withdrawals_rollout_id_device_id_pk" PRIMARY KEY("rollout_id","device_id")
);
--> statement-breakpoint
CREATE INDEX "outcomes_by_stage_state" ON "outcomes" USING btree ("rollout_id","stage","state","seq");