/*
 * devices.c — the device-type names (see devices.h).
 */
#include "devices.h"

#include <string.h>
#include <strings.h>

static const char *const names[RS_NDEVICES] = {
#define RS_DEVICE_NAME_(name) #name,
    RS_DEVICE_TYPES(RS_DEVICE_NAME_)
#undef RS_DEVICE_NAME_
};

/* ", TRUCAM, GATSO, ...": the list with one separator too many in front */
static const char list[] =
#define RS_DEVICE_ITEM_(name) ", " #name
    RS_DEVICE_TYPES(RS_DEVICE_ITEM_)
#undef RS_DEVICE_ITEM_
    ;

const char *rs_device_name(int k)
{
    return k >= 0 && k < RS_NDEVICES ? names[k] : names[RS_DEV_OTHER];
}

int rs_device_parse(const char *s, size_t len)
{
    for (int k = 0; s && k < RS_NDEVICES; k++)
        if (strlen(names[k]) == len && strncasecmp(names[k], s, len) == 0)
            return k;
    return -1;
}

rs_device rs_device_of(const char *s)
{
    for (int k = 0; s && k < RS_NDEVICES; k++)
        if (strcmp(s, names[k]) == 0)
            return (rs_device)k;
    return RS_DEV_OTHER;
}

const char *rs_device_list(void)
{
    return list + 2;
}
