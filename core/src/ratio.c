// SPDX-License-Identifier: MIT
/*
 * Ratio lists: each kept zspage of a class sits on the list of its 10%
 * fullness step, its only list, so zs_malloc finds the fullest and a
 * compactor the emptiest and the fullest zspages at once (see
 * docs/core-design.md, "Compaction"). Under the class lock.
 */
#include "zspage.h"

unsigned int zspage_ratio_of(unsigned int inuse, unsigned int objs)
{
	if (inuse == 0)
		return ZS_RATIO_0;
	if (inuse >= objs)
		return ZS_RATIO_100;
	/* 1..99%: steps of ten, 0..9% -> ZS_RATIO_10 */
	return (unsigned int)((100ul * inuse / objs) / 10 + ZS_RATIO_10);
}

static void ratio_del(struct size_class *class, struct zspage *zs)
{
	if (zs->rprev)
		zs->rprev->rnext = zs->rnext;
	else
		class->ratio_list[zs->ratio] = zs->rnext;
	if (zs->rnext)
		zs->rnext->rprev = zs->rprev;
	zs->rprev = zs->rnext = NULL;
	class->nr_ratio[zs->ratio]--;
	zs->ratio = ZS_RATIO_0;
}

static void ratio_add(struct size_class *class, struct zspage *zs,
		      unsigned int ratio)
{
	zs->ratio = ratio;
	zs->rprev = NULL;
	zs->rnext = class->ratio_list[ratio];
	if (zs->rnext)
		zs->rnext->rprev = zs;
	class->ratio_list[ratio] = zs;
	class->nr_ratio[ratio]++;
}

void zspage_ratio_refile(struct size_class *class, struct zspage *zs)
{
	unsigned int ratio = zspage_ratio_of(zs->inuse, class->objs_per_zspage);

	if (ratio == zs->ratio)
		return;
	if (zs->ratio != ZS_RATIO_0)
		ratio_del(class, zs);
	if (ratio != ZS_RATIO_0)
		ratio_add(class, zs, ratio);
}
