"""The privacy guide (用户隐私保护指引) the mini-program shows before any privacy interface is called.

The text is reviewed with each release, so it lives in code with its version; a new version means a new
`VERSION` (the date it takes effect) and everyone is asked to agree again (docs/adr/0082).
"""

VERSION = "2026-12-01"
TITLE = "实训小程序用户隐私保护指引"
TEXT = """\
本指引说明“实训”小程序（以下简称“我们”）如何收集、使用、保存和保护您的个人信息。请您在使用前仔细阅读并同意。

一、我们收集的信息及用途
1. 微信身份标识（openid、unionid）：用于登录和识别您的账号，不用于其他用途。
2. 手机号码：经您授权后绑定，用于单位内部联系和工单通知；他人看到的号码均已脱敏（如 138****8000）。
3. 扫码位置（GPS）：仅在您扫描设施点位二维码时记录，用于确认现场作业；超过保存期限后将粗化或删除。
4. 照片与签名：您在实操步骤、工单、带教证据中上传的图片，仅通过有时效的授权链接查看，拍摄位置信息在上传时即被清除。
5. 培训、考核、比武与带教记录：用于您的学习进度、成绩和证书。

二、信息的保存
我们按 docs/OPERATIONS.md 所列期限保存各类信息；期限届满后自动删除或匿名化。安全审计日志依法至少保存六个月。

三、您的权利
1. 查阅与复制：您可在“我的—个人信息导出”中下载我们保存的关于您的全部信息（GET /api/v1/me/data-export）。
2. 删除：您可申请注销并删除个人信息（POST /api/v1/me/deletion-request），经管理员审核后，您的姓名将替换为匿名代号，手机号、微信标识和头像将被删除；他人依赖的记录（如工单、评分）以匿名代号保留。
3. 撤回同意：您可随时停止使用并申请删除。

四、信息共享
除法律法规要求外，我们不会向第三方提供您的个人信息。微信服务由腾讯公司提供，适用其隐私政策。

五、联系我们
如有疑问，请联系本单位信息化管理员。
"""
