package demo

import (
	"strings"

	"enrolldesk/core"
)

// Character lists for generated names. Common characters only: every one is
// in the bundled font and in GB 2312 level 1, so nothing trips a printer.
const (
	surnames = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段钱汤尹黎易常武乔贺赖龚文颜庞樊兰殷施陶洪翟安倪严牛温芦季俞章鲁葛伍韦申尤毕聂焦"

	elderMale   = "建国华明德志军平伟强文忠福贵生山海林成永庆春"
	elderFemale = "秀英兰芳桂玉凤珍华霞云琴梅荣淑爱红秋菊莲"
	adultMale   = "伟磊勇军涛斌超鹏杰辉刚健明亮峰强波宁东浩凯飞鑫帅"
	adultFemale = "静丽娟敏燕艳霞婷娜丹玲萍颖倩雪慧琳晶洁蕾璐瑶"
	childMale   = "子轩浩宇梓睿一诺铭泽博文俊熙皓辰宇航明哲嘉懿瑞晨阳天佑奕"
	childFemale = "梓涵欣怡子萱一诺雨桐可馨思语佳琪若汐诗涵语彤梦瑶依晨心悦"

	streetHeads = "古仙南北东西济金观越柳唐长喻李安新兴太洸泗汶鲁尼石杨王马张孔颜孟凫白黄红青龙凤"
	streetTails = "槐营苑阳桥河城行口沟屯居庄集店山湖林岭泉楼坊寺堂"
)

// namer makes names from the character and word lists, split once.
type namer struct {
	rng
	sur, elderM, elderF, adultM, adultF, childM, childF, heads, tails                         []string
	compoundHeads, compoundTails, villageTails, companyHeads, companyTrades, shopGoods, roles []string
}

func newNamer(r rng) namer {
	return namer{rng: r, sur: chars(surnames),
		elderM: chars(elderMale), elderF: chars(elderFemale), adultM: chars(adultMale), adultF: chars(adultFemale),
		childM: chars(childMale), childF: chars(childFemale), heads: chars(streetHeads), tails: chars(streetTails),
		compoundHeads: strings.Fields("锦绣 阳光 幸福 翠苑 金色 龙城 运河 北湖 凤凰 书香 儒风 杏坛 泰和 康乐 和谐 丽景 明珠 " +
			"盛世 紫荆 怡景 富源 东方 兴华 嘉禾 祥和 如意 瑞祥 春晓 文昌 荣华 绿洲 滨河 学府 御景"),
		compoundTails: strings.Fields("花园 小区 家园 苑 新城 名都 嘉园 雅居 公寓 新村"),
		villageTails:  strings.Fields("庄村 家村 集村 楼村 屯村 营村"),
		companyHeads:  strings.Fields("鲁泰 华宇 金桥 恒信 运河 圣地 佳和 兴业 宏达 瑞丰 鼎盛 永安 正元 广源 汇通 东岳 齐鲁 尼山 微湖 梁山泊"),
		companyTrades: strings.Fields("物流 机械制造 食品 纺织 建筑工程 商贸 科技 煤业 餐饮管理 物业服务 汽车销售 医药 电子 装饰工程 农业发展"),
		shopGoods:     strings.Fields("面馆 水果店 五金店 便利店 理发店 早餐店 烟酒店 家电维修部 快递驿站 服装店 粮油店 烧烤店 药店 汽车修理部 文具店"),
		roles:         strings.Fields("法定代表人 股东 监事 执行董事 经理"),
	}
}

// chars splits s into its characters.
func chars(s string) []string {
	out := make([]string, 0, len(s)/3)
	for _, r := range s {
		out = append(out, string(r))
	}
	return out
}

func runeAt(s string, i int) string { return string([]rune(s)[i]) }

// surname returns a common surname, the common ones more often.
func (n namer) surname() string { return n.sur[n.skewed(len(n.sur))] }

// given returns a one- or two-character given name for someone of the sex
// born in the year: grandparents', parents' and children's names differ.
func (n namer) given(sex core.Sex, born int) string {
	cs := n.charsFor(sex, born)
	if n.chance(0.2) {
		return pick(n.rng, cs)
	}
	return pick(n.rng, cs) + pick(n.rng, cs)
}

func (n namer) charsFor(sex core.Sex, born int) []string {
	switch {
	case born < 1972 && sex == core.Male:
		return n.elderM
	case born < 1972:
		return n.elderF
	case born < 2005 && sex == core.Male:
		return n.adultM
	case born < 2005:
		return n.adultF
	case sex == core.Male:
		return n.childM
	}
	return n.childF
}

// streetBase returns a two-character place name for a street or town.
func (n namer) streetBase() string {
	return pick(n.rng, n.heads) + pick(n.rng, n.tails)
}

// compound returns a compound name; villages are named after a family or a
// market.
func (n namer) compound(village bool) string {
	if village {
		return n.surname() + pick(n.rng, []string{"", "", "王", "大", "小", "后", "前"}) + pick(n.rng, n.villageTails)
	}
	return pick(n.rng, n.compoundHeads) + pick(n.rng, n.compoundTails)
}

// company returns an employer's name.
func (n namer) company(countyName string) string {
	place := strings.TrimRight(countyName, "区市县")
	if n.chance(0.5) {
		place = "济宁"
	}
	return place + pick(n.rng, n.companyHeads) + pick(n.rng, n.companyTrades) + "有限公司"
}

// shop returns an individual business's name.
func (n namer) shop(surname string) string {
	return surname + pick(n.rng, []string{"记", "氏", "家"}) + pick(n.rng, n.shopGoods)
}

// chineseNumber writes 1–99 in Chinese numerals, as school names use them.
func chineseNumber(n int) string {
	const digits = "零一二三四五六七八九"
	switch {
	case n < 10:
		return runeAt(digits, n)
	case n < 20:
		return "十" + strings.TrimPrefix(runeAt(digits, n%10), "零")
	}
	s := runeAt(digits, n/10) + "十"
	if n%10 != 0 {
		s += runeAt(digits, n%10)
	}
	return s
}

// countyShort drops the 区/市/县 suffix: 任城区 → 任城.
func countyShort(name string) string {
	r := []rune(name)
	return string(r[:len(r)-1])
}
