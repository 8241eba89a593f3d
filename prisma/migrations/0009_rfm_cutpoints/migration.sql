-- CreateTable
CREATE TABLE "rfm_cutpoints" (
    "order_event" TEXT NOT NULL,
    "computed_at" TIMESTAMPTZ(3) NOT NULL,
    "as_of" TIMESTAMPTZ(3) NOT NULL,
    "scored" INTEGER NOT NULL,
    "r_last" TIMESTAMPTZ(3)[],
    "r_freq" BIGINT[],
    "r_mon" DECIMAL[],
    "r_person" UUID[],
    "f_last" TIMESTAMPTZ(3)[],
    "f_freq" BIGINT[],
    "f_mon" DECIMAL[],
    "f_person" UUID[],

    CONSTRAINT "rfm_cutpoints_pkey" PRIMARY KEY ("order_event")
);
