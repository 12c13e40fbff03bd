import torch, lightning as L
torch.set_num_threads(1)
from lightning.pytorch.loggers import CSVLogger
from lightning.pytorch.callbacks import ModelCheckpoint, TQDMProgressBar
class M(L.LightningModule):
    def __init__(s): super().__init__(); s.l=torch.nn.Linear(4,2)
    def training_step(s,b,i): x,y=b; l=torch.nn.functional.cross_entropy(s.l(x),y); s.log("train_loss",l,prog_bar=True); return l
    def validation_step(s,b,i): x,y=b; s.log("val_loss",torch.nn.functional.cross_entropy(s.l(x),y),prog_bar=True)
    def configure_optimizers(s): return torch.optim.SGD(s.parameters(),lr=0.1)
ds=torch.utils.data.TensorDataset(torch.randn(64,4),torch.randint(0,2,(64,)))
dl=torch.utils.data.DataLoader(ds,batch_size=16)
t=L.Trainer(max_epochs=3,logger=CSVLogger(".",name="logs"),callbacks=[ModelCheckpoint(save_top_k=-1,monitor="val_loss"),TQDMProgressBar()],accelerator="cpu",num_sanity_val_steps=0,enable_model_summary=False)
t.fit(M(),dl,dl)
