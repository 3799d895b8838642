/*
 * ksi_int.h — what ksi.c and ksi_groups.c share: the number of groups of
 * each split.  Private to the analysis room.
 */
#ifndef RS_KSI_INT_H
#define RS_KSI_INT_H

#define N_ROAD_USER 8
#define ROAD_USER_ESCOOTER 7 /* shown only when some casualty has it */
#define N_AGE 5

#endif
